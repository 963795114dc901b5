import * as path from 'node:path';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { EnvironmentModel, FactoryModel } from '../config/model';
import { projectRoot } from '../local/project-paths';
import { allowLogsEncryption } from '../pipeline/kms-policies';
import { regionalServiceName } from '../pipeline/service-names';
import { acknowledgeWildcards } from '../stacks/nag';
import { driftProjectName } from '../pipeline/drift-project';
import { CONFIG_DEFINE } from '../trigger/handler-environment';
import { toTriggerConfig } from '../trigger/trigger-config';
import { DRIFT_EVENT_SOURCE } from './drift-events';
import { DRIFT_ENV } from './drift-environment';

export interface DriftChecksProps {
  readonly config: FactoryModel;
  /** The release ledger: deployment records are read, drift records (`drift#…`) written. */
  readonly ledger: dynamodb.ITable;
  readonly failureTopic: sns.ITopic;
  /** Factory key: ledger, failure topic, logs of the functions and state machines. */
  readonly encryptionKey: kms.IKey;
  /** Retention of the logs. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
}

/** The Step Functions rule CodeBuild startBuild.sync manages to learn when a build ends. */
const SYNC_RULE = 'StepFunctionsGetEventForCodeBuildStartBuildRule';

/** Release values the drift build receives as environment overrides (names the buildspec validates). */
const BUILD_OVERRIDES: Readonly<Record<string, string>> = {
  RELEASE_TAG: '$.target.tag',
  ENVIRONMENT: '$.target.environment',
  REGION: '$.target.scope',
  TARGET_REGION: '$.target.targetRegion',
  TEAM: '$.target.team',
  VERSION: '$.target.version',
  STATE_KEY: '$.target.stateKey',
  TARGET_ACCOUNT: '$.target.account',
  COMMIT_ID: '$.target.commit',
  SOURCE_COMMIT: '$.target.commit',
};

/**
 * Scheduled drift checks of every environment with `drift:`. Per environment: an EventBridge Scheduler schedule
 * starts a state machine that lists the environment's applied releases (lister function: deployment records of the
 * ledger) and fans out over them with a Map state bounded by `drift.concurrency`; each iteration runs the
 * environment's drift project (`<prefix>-<env>-drift`, in its pipeline stack) with CodeBuild startBuild.sync on the
 * release's commit, then hands the build's result (or its error) to the recorder function, which writes the drift
 * record and, on drift, notifies the failure topic and puts `Drift Detected`. The build never writes anything
 * itself. Both functions are shared by the environments.
 */
export class DriftChecks extends Construct {
  public readonly lister: nodejs.NodejsFunction;
  public readonly recorder: nodejs.NodejsFunction;
  /** State machine per environment with drift checks. */
  public readonly stateMachines: Readonly<Record<string, sfn.StateMachine>>;
  public readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: DriftChecksProps) {
    super(scope, id);
    this.namePrefix = props.config.factory.pipelineNamePrefix;
    const stack = Stack.of(this);
    const { config, ledger, failureTopic, encryptionKey } = props;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    allowLogsEncryption(encryptionKey, 'DriftChecksLogs');
    const viaServices = (services: string[]): Record<string, unknown> => ({
      StringEquals: { 'kms:ViaService': services.map((s) => regionalServiceName(stack, s)) },
    });

    const listerRole = new iam.Role(this, 'ListerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tfpf drift lister: reads the deployment records of the release ledger',
    });
    // Deployment records are read by scanning the ledger (its only key is pk); nothing is written.
    listerRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadLedger',
        actions: ['dynamodb:Scan'],
        resources: [ledger.tableArn],
      }),
    );
    listerRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptLedger',
        actions: ['kms:Decrypt'],
        resources: [encryptionKey.keyArn],
        conditions: viaServices(['dynamodb']),
      }),
    );

    const recorderRole = new iam.Role(this, 'RecorderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tfpf drift recorder: writes drift records, notifies drift and failed checks',
    });
    // Only drift records: the deployment and release items of the ledger stay out of its reach.
    recorderRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DriftRecordsOnly',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [ledger.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['drift#*'] } },
      }),
    );
    recorderRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'NotifyFailures',
        actions: ['sns:Publish'],
        resources: [failureTopic.topicArn],
      }),
    );
    recorderRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PutDriftEvents',
        actions: ['events:PutEvents'],
        resources: [
          stack.formatArn({
            service: 'events',
            resource: 'event-bus',
            resourceName: 'default',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
        conditions: { StringEquals: { 'events:source': DRIFT_EVENT_SOURCE } },
      }),
    );
    recorderRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UseFactoryKey',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [encryptionKey.keyArn],
        conditions: viaServices(['dynamodb', 'sns']),
      }),
    );

    const bundledConfig = JSON.stringify(JSON.stringify(toTriggerConfig(config)));
    const fn = (name: 'Lister' | 'Recorder', handler: string, role: iam.Role, description: string) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention, encryptionKey });
      logGroup.grantWrite(role);
      return new nodejs.NodejsFunction(this, name, {
        description,
        entry: path.join(__dirname, 'lambda.ts'),
        handler,
        projectRoot: projectRoot(),
        depsLockFilePath: path.join(projectRoot(), 'package-lock.json'),
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout: Duration.seconds(60),
        role,
        logGroup,
        environmentEncryption: encryptionKey,
        environment: { [DRIFT_ENV.table]: ledger.tableName, [DRIFT_ENV.topicArn]: failureTopic.topicArn },
        bundling: {
          minify: true,
          sourceMap: false,
          externalModules: ['@aws-sdk/*'],
          define: { [CONFIG_DEFINE]: bundledConfig },
        },
      });
    };
    this.lister = fn(
      'Lister',
      'listHandler',
      listerRole,
      'tfpf drift: lists the applied releases of an environment',
    );
    this.recorder = fn(
      'Recorder',
      'recordHandler',
      recorderRole,
      'tfpf drift: records the result of a drift build',
    );

    const stateMachines: Record<string, sfn.StateMachine> = {};
    const schedules: Record<string, scheduler.Schedule> = {};
    for (const env of config.environments) {
      if (env.drift === undefined) continue;
      stateMachines[env.environment] = this.stateMachine(env, retention, encryptionKey);
      schedules[env.environment] = new scheduler.Schedule(this, `Schedule-${env.environment}`, {
        scheduleName: `${config.factory.pipelineNamePrefix}-${env.environment}-drift`,
        description: `tfpf ${env.environment}: drift checks of every applied release`,
        schedule: scheduler.ScheduleExpression.expression(env.drift.schedule),
        target: new schedulerTargets.StepFunctionsStartExecution(
          stateMachines[env.environment] as sfn.StateMachine,
          {
            input: scheduler.ScheduleTargetInput.fromObject({ environment: env.environment }),
            retryAttempts: 2,
            maxEventAge: Duration.hours(1),
          },
        ),
      });
    }
    this.stateMachines = stateMachines;
    this.schedules = schedules;
  }

  private stateMachine(
    env: EnvironmentModel,
    retention: logs.RetentionDays,
    key: kms.IKey,
  ): sfn.StateMachine {
    const stack = Stack.of(this);
    const name = env.environment;
    const concurrency = env.drift?.concurrency as number;
    const projectName = driftProjectName(this.prefix(), name);
    const projectArn = stack.formatArn({
      service: 'codebuild',
      resource: 'project',
      resourceName: projectName,
    });

    const list = new tasks.LambdaInvoke(this, `List-${name}`, {
      lambdaFunction: this.lister,
      payload: sfn.TaskInput.fromObject({ environment: name }),
      resultSelector: { 'targets.$': '$.Payload.targets' },
    });
    const build = new sfn.CustomState(this, `DriftBuild-${name}`, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${stack.partition}:states:::codebuild:startBuild.sync`,
        Parameters: {
          ProjectName: projectName,
          'SourceVersion.$': '$.target.commit',
          EnvironmentVariablesOverride: Object.entries(BUILD_OVERRIDES).map(([variable, jsonPath]) => ({
            Name: variable,
            Type: 'PLAINTEXT',
            'Value.$': jsonPath,
          })),
        },
        ResultSelector: {
          'Build.$': '$.Build',
        },
        ResultPath: '$.result',
      },
    });
    const record = new tasks.LambdaInvoke(this, `Record-${name}`, {
      lambdaFunction: this.recorder,
      payloadResponseOnly: true,
    });
    build.addCatch(record, { errors: ['States.ALL'], resultPath: '$.error' });
    const fanOut = new sfn.Map(this, `EachAppliedRelease-${name}`, {
      itemsPath: '$.targets',
      itemSelector: { 'target.$': '$$.Map.Item.Value' },
      maxConcurrency: concurrency,
      resultPath: sfn.JsonPath.DISCARD,
    });
    fanOut.itemProcessor(build.next(record));

    const logGroup = new logs.LogGroup(this, `StateMachineLogs-${name}`, { retention, encryptionKey: key });
    const machine = new sfn.StateMachine(this, `StateMachine-${name}`, {
      stateMachineName: `${this.prefix()}-${name}-drift`,
      definitionBody: sfn.DefinitionBody.fromChainable(list.next(fanOut)),
      timeout: Duration.hours(12),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // startBuild.sync: start, watch and stop exactly this environment's drift project.
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RunDriftProject',
        actions: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'],
        resources: [projectArn],
      }),
    );
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SyncBuildRule',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_RULE })],
      }),
    );
    acknowledgeWildcards(
      machine,
      { resources: [`${this.lister.functionArn}:*`, `${this.recorder.functionArn}:*`, '*'] },
      'CDK grants of the state machine: the versions of the two drift functions it invokes, and X-Ray traces and CloudWatch Logs delivery, which take no resource-level permissions',
    );
    return machine;
  }

  private prefix(): string {
    return this.namePrefix;
  }
}
