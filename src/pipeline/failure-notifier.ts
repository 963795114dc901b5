import * as path from 'node:path';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bundledCode } from './bundled-code';
import { skipCheckov } from './checkov';
import { allowEventBridgeDeadLetters, allowLogsEncryption } from './kms-policies';
import { NOTIFIER_ENV } from './notifier/notifier-environment';
import { regionalServiceName } from './service-names';

/** Source of the factory's own EventBridge events. */
export const FACTORY_EVENT_SOURCE = 'tfpf';

export interface FailureNotifierProps {
  /** Pipeline name → environment name, for every pipeline of the factory. */
  readonly pipelines: Readonly<Record<string, string>>;
  /** Failures topic (KMS-encrypted with `encryptionKey`). */
  readonly failureTopic: sns.ITopic;
  /** Factory KMS key: encrypts the topic, the dead-letter queue and the log group. */
  readonly encryptionKey: kms.IKey;
  /** Retention of the function's log group. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Reports every failed execution of the factory pipelines (any stage, including a rejected or expired approval):
 * an EventBridge rule on `CodePipeline Pipeline Execution State Change` / FAILED for exactly these pipelines
 * invokes a small function that reads the execution's variables (release tag, commit, team, …) and failed actions,
 * then publishes to the failure topic and puts a `Release Failed` event (source `tfpf`). One rule and one function
 * for all environments: adding an environment adds no resource here.
 */
export class FailureNotifier extends Construct {
  public readonly handler: lambda.Function;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: FailureNotifierProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const pipelineNames = Object.keys(props.pipelines).sort();
    if (pipelineNames.length === 0) throw new Error('FailureNotifier: no pipeline to watch');

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.encryptionKey,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tfpf failure notifier: reports failed pipeline executions',
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadFailedExecutions',
        actions: ['codepipeline:GetPipelineExecution', 'codepipeline:ListActionExecutions'],
        resources: pipelineNames.map((name) =>
          stack.formatArn({ service: 'codepipeline', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME }),
        ),
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'NotifyFailures',
        actions: ['sns:Publish'],
        resources: [props.failureTopic.topicArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PutReleaseFailedEvents',
        actions: ['events:PutEvents'],
        resources: [
          stack.formatArn({
            service: 'events',
            resource: 'event-bus',
            resourceName: 'default',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
        conditions: { StringEquals: { 'events:source': FACTORY_EVENT_SOURCE } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UseFactoryKeyViaServices',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.encryptionKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': ['sns', 'sqs'].map((s) => regionalServiceName(stack, s)),
          },
        },
      }),
    );

    this.handler = new lambda.Function(this, 'Handler', {
      description: 'tfpf failure notifier: publishes failed pipeline executions with their release tag',
      code: bundledCode(path.join(__dirname, 'notifier', 'lambda.ts')),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      environment: {
        [NOTIFIER_ENV.topicArn]: props.failureTopic.topicArn,
        [NOTIFIER_ENV.environments]: JSON.stringify(props.pipelines),
        [NOTIFIER_ENV.eventSource]: FACTORY_EVENT_SOURCE,
      },
    });
    skipCheckov(this.handler, {
      CKV_AWS_173:
        'The environment holds only resource names and ARNs, no secret; Lambda encrypts it at rest with its AWS managed key',
      CKV_AWS_117:
        'Calls only AWS APIs (CodePipeline, SNS, EventBridge); a VPC would add NAT or endpoints and no protection',
      CKV_AWS_115:
        'No reserved concurrency: a new account may have too little unreserved concurrency to reserve any; invocations are one per failed execution',
    });

    this.rule = new events.Rule(this, 'Rule', {
      description: 'tfpf: a factory pipeline execution failed (any stage)',
      eventPattern: {
        source: ['aws.codepipeline'],
        detailType: ['CodePipeline Pipeline Execution State Change'],
        detail: { state: ['FAILED'], pipeline: pipelineNames },
      },
      targets: [
        new targets.LambdaFunction(this.handler, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    allowEventBridgeDeadLetters(props.encryptionKey, 'FailureNotifierDeadLetters');
    // CloudWatch Logs encrypts the log group with the factory key.
    allowLogsEncryption(props.encryptionKey, 'FailureNotifierLogs');
  }
}
