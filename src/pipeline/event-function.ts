import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { bundledCode } from './bundled-code';
import { allowAlarmNotifications } from './kms-policies';

export interface EventFunctionProps {
  /** The function's description; its role says what it does in `roleDescription`. */
  readonly description: string;
  readonly roleDescription: string;
  /** The bundled entry point (exports `handler`). */
  readonly entry: string;
  readonly environment: Readonly<Record<string, string>>;
  /** What the role may do besides writing the function's log streams. */
  readonly statements: readonly iam.PolicyStatement[];
  /** Where the dead-letter alarm goes (the failure topic), and what it says failed. */
  readonly alarmTopic: sns.ITopic;
  readonly alarmDescription: string;
  /** Factory KMS key: encrypts the dead-letter queue and the log group. */
  readonly encryptionKey: kms.IKey;
  /** Retention of the function's log group. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
}

/** The parts of a function that EventBridge invokes. */
export interface EventFunction {
  readonly handler: lambda.Function;
  readonly deadLetterQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** Raised by the first message in the dead-letter queue. */
  readonly deadLetterAlarm: cloudwatch.Alarm;
}

/**
 * A small function invoked by EventBridge rules, created in `scope` as `DeadLetterQueue`, `LogGroup`, `Role` and
 * `Handler` (and `DeadLetterAlarm`): Node.js 24 on ARM, 256 MB, 30 s; a KMS-encrypted, TLS-only dead-letter queue kept 14 days for
 * events that fail every retry; a KMS-encrypted log group; a role that may write its own log
 * streams and do what `statements` allow.
 */
export function eventFunction(scope: Construct, props: EventFunctionProps): EventFunction {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: props.encryptionKey,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    encryptionKey: props.encryptionKey,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  for (const statement of props.statements) role.addToPolicy(statement);
  const handler = new lambda.Function(scope, 'Handler', {
    description: props.description,
    code: bundledCode(props.entry),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: Duration.seconds(30),
    role,
    logGroup,
    deadLetterQueue,
    retryAttempts: 2,
    maxEventAge: Duration.hours(6),
    environment: { ...props.environment },
  });
  const alarm = deadLetterAlarm(scope, {
    queue: deadLetterQueue,
    topic: props.alarmTopic,
    encryptionKey: props.encryptionKey,
    description: props.alarmDescription,
  });
  return { handler, deadLetterQueue, logGroup, role, deadLetterAlarm: alarm };
}

/**
 * `DeadLetterAlarm` in `scope`: the first message in `queue` (an event or invocation that failed every retry)
 * notifies `topic`, within 5 minutes. The topic's key lets CloudWatch alarms of the account publish.
 */
export function deadLetterAlarm(
  scope: Construct,
  props: {
    readonly queue: sqs.IQueue;
    readonly topic: sns.ITopic;
    readonly encryptionKey: kms.IKey;
    readonly description: string;
  },
): cloudwatch.Alarm {
  allowAlarmNotifications(props.encryptionKey);
  const alarm = new cloudwatch.Alarm(scope, 'DeadLetterAlarm', {
    alarmDescription: props.description,
    metric: props.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cloudwatchActions.SnsAction(props.topic));
  return alarm;
}

/** The rule target of an event function: 8 delivery retries for 6 hours, then its dead-letter queue. */
export function eventFunctionTarget(fn: EventFunction): targets.LambdaFunction {
  return new targets.LambdaFunction(fn.handler, {
    deadLetterQueue: fn.deadLetterQueue,
    retryAttempts: 8,
    maxEventAge: Duration.hours(6),
  });
}
