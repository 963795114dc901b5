import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventFunction, eventFunctionTarget } from '../pipeline/event-function';
import { skipCheckov } from '../pipeline/checkov';
import { allowEventBridgeDeadLetters, allowLogsEncryption } from '../pipeline/kms-policies';
import { regionalServiceName } from '../pipeline/service-names';
import {
  ACTION_STATE_CHANGE,
  CODEPIPELINE_SOURCE,
  EXECUTION_STATE_CHANGE,
  RECORDED_APPROVAL_STATES,
  RECORDED_EXECUTION_STATES,
} from './execution-events';
import { RECORDER_ENV } from './recorder/record-execution';

export interface DeploymentRecorderProps {
  /** Prefix of the rule names (`<prefix>-deployment-executions`, `<prefix>-deployment-approvals`). */
  readonly namePrefix: string;
  /** Names of every pipeline of the factory: only their events are recorded. */
  readonly pipelineNames: readonly string[];
  /** The release ledger table (deployment records live next to the tag handler's items). */
  readonly table: dynamodb.ITable;
  /** Failures topic: a recorder event that fails every retry raises an alarm here. */
  readonly failureTopic: sns.ITopic;
  /** Factory KMS key: encrypts the table, the dead-letter queue and the log group. */
  readonly encryptionKey: kms.IKey;
  /** Retention of the function's log group. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Records what runs where: two EventBridge rules on exactly the factory's pipelines (execution state changes, and
 * state changes of the manual approval action) invoke a small function that maps the execution back to its release
 * (registered by the tag handler) and writes the deployment record with conditional updates. It reads and updates
 * the ledger table, nothing else.
 */
export class DeploymentRecorder extends Construct {
  public readonly handler: lambda.Function;
  public readonly executionRule: events.Rule;
  public readonly approvalRule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;
  /** Alarm on messages in the dead-letter queue: a deployment record may be missing (notifies the failure topic). */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeploymentRecorderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const pipelineNames = [...props.pipelineNames].sort();
    if (pipelineNames.length === 0) throw new Error('DeploymentRecorder: no pipeline to record');

    const fn = eventFunction(this, {
      description: 'tfpf deployment recorder: records what each pipeline execution deployed, and its state',
      roleDescription: 'tfpf deployment recorder: records pipeline execution states in the release ledger',
      // An execution registered a moment after its first event is found on one of the function's two retries
      // (REGISTRATION_WAIT_MS).
      entry: path.join(__dirname, 'recorder', 'lambda.ts'),
      environment: {
        [RECORDER_ENV.table]: props.table.tableName,
        [RECORDER_ENV.pipelines]: JSON.stringify(pipelineNames),
      },
      alarmTopic: props.failureTopic,
      alarmDescription:
        'tfpf: a pipeline event could not be recorded (see the deployment recorder dead-letter queue): tfpf status and the promotion gate may miss that execution',
      encryptionKey: props.encryptionKey,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      statements: [
        // Reads the execution registrations, updates the deployment records: no put, delete or scan.
        new iam.PolicyStatement({
          sid: 'RecordDeployments',
          actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          resources: [props.table.tableArn],
        }),
        new iam.PolicyStatement({
          sid: 'UseFactoryKeyViaServices',
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [props.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': ['dynamodb', 'sqs'].map((s) => regionalServiceName(stack, s)) },
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
        'The environment holds only the table and pipeline names, no secret; Lambda encrypts it at rest with its AWS managed key',
      CKV_AWS_117: 'Calls only DynamoDB; a VPC would add NAT or endpoints and no protection',
      CKV_AWS_115:
        'No reserved concurrency: a new account may have too little unreserved concurrency to reserve any; a few invocations per execution',
    });

    const target = eventFunctionTarget(fn);
    // Named, so the key policy lets exactly these rules write undeliverable events into the encrypted queue.
    const ruleNames = [
      `${props.namePrefix}-deployment-executions`,
      `${props.namePrefix}-deployment-approvals`,
    ];
    this.executionRule = new events.Rule(this, 'ExecutionRule', {
      ruleName: ruleNames[0],
      description: 'tfpf: a factory pipeline execution started, succeeded, failed or stopped',
      eventPattern: {
        source: [CODEPIPELINE_SOURCE],
        detailType: [EXECUTION_STATE_CHANGE],
        detail: { pipeline: pipelineNames, state: [...RECORDED_EXECUTION_STATES] },
      },
      targets: [target],
    });
    this.approvalRule = new events.Rule(this, 'ApprovalRule', {
      ruleName: ruleNames[1],
      description: 'tfpf: the approval of a factory pipeline execution is waiting, approved or rejected',
      eventPattern: {
        source: [CODEPIPELINE_SOURCE],
        detailType: [ACTION_STATE_CHANGE],
        detail: {
          pipeline: pipelineNames,
          type: { category: ['Approval'] },
          state: [...RECORDED_APPROVAL_STATES],
        },
      },
      targets: [target],
    });

    allowEventBridgeDeadLetters(props.encryptionKey, 'DeploymentRecorderDeadLetters', ruleNames);
    allowLogsEncryption(props.encryptionKey, 'DeploymentRecorderLogs');
  }
}
