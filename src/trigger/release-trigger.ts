import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FactoryModel } from '../config/model';
import { projectRoot } from '../local/project-paths';
import { deadLetterAlarm } from '../pipeline/event-function';
import { allowEventBridgeDeadLetters, allowLogsEncryption } from '../pipeline/kms-policies';
import { pipelineName, releaseLedgerTableName } from '../naming';
import { RELEASE_EVENT_SOURCE } from './release-events';
import { loadRuleTemplates, renderPattern, RulePatternError, type EventPatternJson } from './rule-patterns';
import { toTriggerConfig } from './trigger-config';
import { CONFIG_DEFINE, ENV } from './handler-environment';
import { regionalServiceName } from '../pipeline/service-names';

export interface ReleaseTriggerProps {
  /** Validated configuration (from `src/config`); embedded into the handler bundle at synth. */
  readonly config: FactoryModel;
  /** The infra repository whose tag events release. */
  readonly repository: codecommit.IRepository;
  /** Failures and rejections topic (KMS-encrypted with `encryptionKey`). */
  readonly failureTopic: sns.ITopic;
  /** Factory KMS key: encrypts the dead-letter queue and the release ledger table, and the failure topic. */
  readonly encryptionKey: kms.IKey;
  /** Folder holding the rule patterns. Default: `rules/` of the project. */
  readonly rulesDir?: string;
  /** Retention of the handler's log group. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
  /** Reserved concurrency of the handler. Default: none (a new account may have too little to reserve). */
  readonly reservedConcurrentExecutions?: number;
  /** Days a release record is kept for duplicate detection. Default: 30. */
  readonly ledgerRetentionDays?: number;
}

const DEFAULT_LEDGER_DAYS = 30;
const HANDLER_TIMEOUT = Duration.seconds(30);

/**
 * Starts the right environment pipeline on exactly the tagged commit: EventBridge rules from `rules/*.json` (tag
 * created or moved in the infra repository, names starting `<env>_`) → tag handler Lambda → StartPipelineExecution.
 * Failed deliveries and failed invocations end in `deadLetterQueue`; a message there raises an alarm on the
 * failure topic.
 */
export class ReleaseTrigger extends Construct {
  public readonly handler: nodejs.NodejsFunction;
  public readonly rules: readonly events.Rule[];
  public readonly deadLetterQueue: sqs.Queue;
  /** Release ledger: one conditional record per (tag, commit) so a duplicate delivery starts nothing new. */
  public readonly releaseTable: dynamodb.Table;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;
  /** Alarm on messages in the dead-letter queue (notifies the failure topic). */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReleaseTriggerProps) {
    super(scope, id);
    const { config, repository, failureTopic, encryptionKey } = props;
    const stack = Stack.of(this);
    const environments = config.environments.map((e) => e.environment);
    const ledgerDays = props.ledgerRetentionDays ?? DEFAULT_LEDGER_DAYS;
    validateProps(props, environments, ledgerDays);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue itself: of the EventBridge target and of failed asynchronous invocations of the tag handler',
    });

    this.releaseTable = new dynamodb.Table(this, 'ReleaseLedger', {
      tableName: releaseLedgerTableName(config.factory.pipelineNamePrefix),
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey,
    });
    // CloudWatch Logs encrypts with the key only for log groups of this account and region.
    allowLogsEncryption(encryptionKey, 'ReleaseTriggerLogs');

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tfpf tag handler: starts the factory pipelines for valid release tags',
    });
    this.logGroup.grantWrite(this.role);

    const pipelineArns = environments.map((env) =>
      stack.formatArn({
        service: 'codepipeline',
        resource: pipelineName(config.factory.pipelineNamePrefix, env),
        arnFormat: ArnFormat.NO_RESOURCE_NAME,
      }),
    );
    const defaultBusArn = stack.formatArn({
      service: 'events',
      resource: 'event-bus',
      resourceName: 'default',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StartFactoryPipelines',
        actions: ['codepipeline:StartPipelineExecution'],
        resources: pipelineArns,
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadInfraRepository',
        actions: [
          'codecommit:GetCommit',
          'codecommit:GetBranch',
          'codecommit:GetMergeOptions',
          'codecommit:BatchGetCommits',
        ],
        resources: [repository.repositoryArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'NotifyFailures',
        actions: ['sns:Publish'],
        resources: [failureTopic.topicArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PutReleaseEvents',
        actions: ['events:PutEvents'],
        resources: [defaultBusArn],
        conditions: { StringEquals: { 'events:source': RELEASE_EVENT_SOURCE } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DeadLetters',
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReleaseLedger',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.releaseTable.tableArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UseFactoryKey',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [encryptionKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': ['sns', 'sqs', 'dynamodb'].map((s) => regionalServiceName(stack, s)),
          },
        },
      }),
    );

    const triggerConfig = toTriggerConfig(config);
    this.handler = new nodejs.NodejsFunction(this, 'Handler', {
      description: 'tfpf tag handler: validates release tags and starts the environment pipeline',
      entry: path.join(__dirname, 'lambda.ts'),
      handler: 'handler',
      projectRoot: projectRoot(),
      depsLockFilePath: path.join(projectRoot(), 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: HANDLER_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      environmentEncryption: encryptionKey,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      // Not SqsDestination: it would grant kms:GenerateDataKey*/ReEncrypt* on the whole key; the role already has
      // exact KMS actions (via SQS) and sqs:SendMessage below.
      onFailure: { bind: () => ({ destination: this.deadLetterQueue.queueArn }) },
      environment: {
        [ENV.table]: this.releaseTable.tableName,
        [ENV.topicArn]: failureTopic.topicArn,
        [ENV.pendingTimeoutSeconds]: String(HANDLER_TIMEOUT.toSeconds() * 2),
        [ENV.ledgerDays]: String(ledgerDays),
      },
      bundling: {
        minify: true,
        sourceMap: false,
        externalModules: ['@aws-sdk/*'],
        define: { [CONFIG_DEFINE]: JSON.stringify(JSON.stringify(triggerConfig)) },
      },
    });

    const rulesDir = props.rulesDir ?? path.join(projectRoot(), 'rules');
    const target = new targets.LambdaFunction(this.handler, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(6),
    });
    const ruleTemplates = loadRuleTemplates(rulesDir);
    const ruleNames = ruleTemplates.map((template) =>
      releaseRuleName(config.factory.pipelineNamePrefix, template.name, template.file),
    );
    this.rules = ruleTemplates.map(
      (template, i) =>
        new events.Rule(this, `Rule-${template.name}`, {
          ruleName: ruleNames[i],
          description: `tfpf release trigger (${template.name}): tag events of repository ${config.factory.repository}`,
          eventPattern: toCdkEventPattern(
            renderPattern(template.pattern, {
              repositoryArn: repository.repositoryArn,
              repositoryName: repository.repositoryName,
              environments,
            }),
            template.file,
          ),
          targets: [target],
        }),
    );

    // EventBridge sends undeliverable events to the encrypted DLQ: only these rules may use the key for it.
    allowEventBridgeDeadLetters(encryptionKey, 'ReleaseTriggerDeadLetters', ruleNames);
    this.deadLetterAlarm = deadLetterAlarm(this, {
      queue: this.deadLetterQueue,
      topic: failureTopic,
      encryptionKey,
      description:
        'tfpf: a release tag event could not be processed (see the release trigger dead-letter queue)',
    });
  }
}

/** EventBridge rule names: 1-64 characters of letters, digits, ".", "-" and "_". */
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

/** Name of the release rule made from `rules/<name>.json`: `<prefix>-release-<name>` (key policies name it). */
export function releaseRuleName(prefix: string, templateName: string, file: string): string {
  const name = `${prefix}-release-${templateName}`;
  if (!RULE_NAME.test(name)) {
    throw new RulePatternError(
      `${file}: the rule name ${JSON.stringify(name)} is not a valid EventBridge rule name (1-64 characters of letters, digits, ".", "-", "_"): rename the file`,
    );
  }
  return name;
}

/** Checks the props and throws once, listing every problem. */
function validateProps(
  props: ReleaseTriggerProps,
  environments: readonly string[],
  ledgerDays: number,
): void {
  const problems: string[] = [];
  if (environments.length === 0)
    problems.push('the configuration defines no environment, so no tag can release');
  if (!Number.isInteger(ledgerDays) || ledgerDays < 1) {
    problems.push(`ledgerRetentionDays must be a whole number >= 1; found ${ledgerDays}`);
  }
  const reserved = props.reservedConcurrentExecutions;
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
    problems.push(`reservedConcurrentExecutions must be a whole number >= 1; found ${reserved}`);
  }
  if (problems.length > 0) throw new Error(`ReleaseTrigger: ${problems.join('; ')}`);
}

const TOP_LEVEL_KEYS: Record<string, keyof events.EventPattern> = {
  version: 'version',
  id: 'id',
  'detail-type': 'detailType',
  source: 'source',
  account: 'account',
  time: 'time',
  region: 'region',
  resources: 'resources',
  detail: 'detail',
};

/** Maps a JSON pattern (EventBridge spelling) onto the CDK `EventPattern` (camel-cased `detailType`). */
export function toCdkEventPattern(pattern: EventPatternJson, file: string): events.EventPattern {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    const cdkKey = TOP_LEVEL_KEYS[key];
    if (cdkKey === undefined) {
      throw new RulePatternError(`${file}: top-level key "${key}" is not an event field the CDK can express`);
    }
    out[cdkKey] = value;
  }
  return out as events.EventPattern;
}
