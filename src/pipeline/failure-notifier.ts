import * as path from 'node:path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { skipCheckov } from './checkov';
import { eventFunction, eventFunctionTarget } from './event-function';
import { allowEventBridgeDeadLetters, allowLogsEncryption } from './kms-policies';
import { NOTIFIER_ENV } from './notifier/notifier-environment';
import { regionalServiceName } from './service-names';

/** Source of the factory's own EventBridge events. */
export const FACTORY_EVENT_SOURCE = 'tfpf';

export interface FailureNotifierProps {
  /** Prefix of the rule's name (`<prefix>-release-failures`). */
  readonly namePrefix: string;
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
  /** Alarm on messages in the dead-letter queue: a failure was not reported (notifies the failure topic). */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FailureNotifierProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const pipelineNames = Object.keys(props.pipelines).sort();
    if (pipelineNames.length === 0) throw new Error('FailureNotifier: no pipeline to watch');

    const fn = eventFunction(this, {
      description: 'tfpf failure notifier: publishes failed pipeline executions with their release tag',
      roleDescription: 'tfpf failure notifier: reports failed pipeline executions',
      entry: path.join(__dirname, 'notifier', 'lambda.ts'),
      environment: {
        [NOTIFIER_ENV.topicArn]: props.failureTopic.topicArn,
        [NOTIFIER_ENV.environments]: JSON.stringify(props.pipelines),
        [NOTIFIER_ENV.eventSource]: FACTORY_EVENT_SOURCE,
      },
      alarmTopic: props.failureTopic,
      alarmDescription:
        'tfpf: a failed pipeline execution could not be reported (see the failure notifier dead-letter queue)',
      encryptionKey: props.encryptionKey,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadFailedExecutions',
          actions: ['codepipeline:GetPipelineExecution', 'codepipeline:ListActionExecutions'],
          resources: pipelineNames.map((name) =>
            stack.formatArn({
              service: 'codepipeline',
              resource: name,
              arnFormat: ArnFormat.NO_RESOURCE_NAME,
            }),
          ),
        }),
        new iam.PolicyStatement({
          sid: 'NotifyFailures',
          actions: ['sns:Publish'],
          resources: [props.failureTopic.topicArn],
        }),
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
      ],
    });
    this.handler = fn.handler;
    this.deadLetterQueue = fn.deadLetterQueue;
    this.logGroup = fn.logGroup;
    this.role = fn.role;
    this.deadLetterAlarm = fn.deadLetterAlarm;
    skipCheckov(this.handler, {
      CKV_AWS_173:
        'The environment holds only resource names and ARNs, no secret; Lambda encrypts it at rest with its AWS managed key',
      CKV_AWS_117:
        'Calls only AWS APIs (CodePipeline, SNS, EventBridge); a VPC would add NAT or endpoints and no protection',
      CKV_AWS_115:
        'No reserved concurrency: a new account may have too little unreserved concurrency to reserve any; invocations are one per failed execution',
    });

    // Named, so the key policy lets exactly this rule write undeliverable events into the encrypted queue.
    const ruleName = `${props.namePrefix}-release-failures`;
    this.rule = new events.Rule(this, 'Rule', {
      ruleName,
      description: 'tfpf: a factory pipeline execution failed (any stage)',
      eventPattern: {
        source: ['aws.codepipeline'],
        detailType: ['CodePipeline Pipeline Execution State Change'],
        detail: { state: ['FAILED'], pipeline: pipelineNames },
      },
      targets: [eventFunctionTarget(fn)],
    });

    allowEventBridgeDeadLetters(props.encryptionKey, 'FailureNotifierDeadLetters', [ruleName]);
    // CloudWatch Logs encrypts the log group with the factory key.
    allowLogsEncryption(props.encryptionKey, 'FailureNotifierLogs');
  }
}
