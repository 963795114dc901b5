import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../src/config';
import { modelWith, writeConfigDir } from '../support/config-files';
import { buildTestApp, TEST_ENV, type TestApp } from '../support/test-app';

// Scheduled drift checks and chat notifications, synthesized: schedule, fan-out bound, the drift build's
// environment and role, and the IAM of every piece (what each may do, and what it may not).

const DEV = [
  'environment: dev',
  'regions: [us-east-1, eu-central-1]',
  'teams:',
  '  research: { account: "111111111111" }',
  '  risk: { account: "222222222222" }',
  'approval: { required: true, notify: [platform@example.com] }',
  'drift: { schedule: "cron(0 6 * * ? *)", concurrency: 3 }',
  'notifications: { slack: { workspaceId: T0123ABCD, channelId: C0123ABCDEF } }',
  '',
].join('\n');

const ACCOUNT = TEST_ENV.account;
const REGION = TEST_ENV.region;

let testApp: TestApp;
let tooling: Template;
let dev: Template;
let qa: Template;

beforeAll(() => {
  testApp = buildTestApp(modelWith({ 'dev.yaml': DEV }));
  tooling = testApp.template(testApp.tooling);
  dev = testApp.template(testApp.environments.dev!);
  qa = testApp.template(testApp.environments.qa!);
});

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: unknown;
};

function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

function roleIdByDescription(template: Template, description: string): string {
  const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: description } });
  const ids = Object.keys(roles);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

describe('schedule', () => {
  test('one EventBridge Scheduler schedule per environment with drift, with the configured expression', () => {
    tooling.resourceCountIs('AWS::Scheduler::Schedule', 1);
    tooling.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'tfpf-dev-drift',
      ScheduleExpression: 'cron(0 6 * * ? *)',
      State: 'ENABLED',
      Target: Match.objectLike({
        Input: JSON.stringify({ environment: 'dev' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    });
  });

  test('no drift machinery without drift:', () => {
    const plain = buildTestApp(modelWith());
    const t = plain.template(plain.tooling);
    t.resourceCountIs('AWS::Scheduler::Schedule', 0);
    t.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(
      Object.keys(
        plain.template(plain.environments.dev!).findResources('AWS::CodeBuild::Project', {
          Properties: { Name: 'tfpf-dev-drift' },
        }),
      ),
    ).toEqual([]);
    qa.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });
});

describe('fan-out', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed state machine definition, read field by field
  function definition(): Record<string, any> {
    const machines = tooling.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toHaveLength(1);
    const body = Object.values(machines)[0]!.Properties.DefinitionString;
    // Fn::Join of literal parts and function ARNs: the ARNs become placeholders.
    const text = (body['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'ARN')).join('');
    return JSON.parse(text);
  }

  test('lists, then a Map bounded by drift.concurrency runs the drift build and records each result', () => {
    const def = definition();
    expect(def.StartAt).toBe('List-dev');
    const map = def.States['EachAppliedRelease-dev'];
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.targets',
      MaxConcurrency: 3,
      ResultPath: null,
      ItemSelector: { 'target.$': '$$.Map.Item.Value' },
    });
    const build = map.ItemProcessor.States['DriftBuild-dev'];
    expect(build).toEqual({
      Type: 'Task',
      Resource: `arn:aws:states:::codebuild:startBuild.sync`,
      Parameters: {
        ProjectName: 'tfpf-dev-drift',
        'SourceVersion.$': '$.target.commit',
        EnvironmentVariablesOverride: [
          ['RELEASE_TAG', '$.target.tag'],
          ['ENVIRONMENT', '$.target.environment'],
          ['REGION', '$.target.scope'],
          ['TARGET_REGION', '$.target.targetRegion'],
          ['TEAM', '$.target.team'],
          ['VERSION', '$.target.version'],
          ['STATE_KEY', '$.target.stateKey'],
          ['TARGET_ACCOUNT', '$.target.account'],
          ['COMMIT_ID', '$.target.commit'],
          ['SOURCE_COMMIT', '$.target.commit'],
        ].map(([Name, path]) => ({ Name, Type: 'PLAINTEXT', 'Value.$': path })),
      },
      ResultSelector: { 'Build.$': '$.Build' },
      ResultPath: '$.result',
      Next: 'Record-dev',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record-dev' }],
    });
    expect(map.ItemProcessor.States['Record-dev']).toMatchObject({ Type: 'Task', End: true });
  });

  test('the state machine logs, traces and times out', () => {
    tooling.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'tfpf-dev-drift',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });
});

describe('drift build', () => {
  test('runs the plan buildspec in drift mode from the repository, without artifacts, with the plan project role', () => {
    const projects = dev.findResources('AWS::CodeBuild::Project', { Properties: { Name: 'tfpf-dev-drift' } });
    expect(Object.keys(projects)).toHaveLength(1);
    const props = Object.values(projects)[0]!.Properties;
    expect(props.Artifacts).toEqual({ Type: 'NO_ARTIFACTS' });
    expect(props.Source).toMatchObject({ Type: 'CODECOMMIT' });
    const variables = Object.fromEntries(
      (props.Environment.EnvironmentVariables as { Name: string; Value: unknown }[]).map((v) => [
        v.Name,
        v.Value,
      ]),
    );
    expect(variables).toMatchObject({
      TFPF_MODE: 'drift',
      PLAN_ROLE_NAME: 'tfpf-dev-plan',
      STATE_BUCKET: 'acme-tfstate-dev',
      TEAM_ACCOUNTS: 'research=111111111111 risk=222222222222',
    });
    // Same role as the pipeline's plan action: the one the workload plan roles trust.
    const planProject = Object.values(
      dev.findResources('AWS::CodeBuild::Project', { Properties: { Name: 'tfpf-dev-plan' } }),
    )[0]!.Properties;
    expect(props.ServiceRole).toEqual(planProject.ServiceRole);
  });

  test('with a tools lock, installs its tools from the plan action’s verified bundle (whose role already reads it)', () => {
    const locked = buildTestApp(loadConfig(writeConfigDir({ 'dev.yaml': DEV })));
    const template = locked.template(locked.environments.dev!);
    const variablesOf = (name: string): Record<string, unknown> =>
      Object.fromEntries(
        (
          Object.values(template.findResources('AWS::CodeBuild::Project', { Properties: { Name: name } }))[0]!
            .Properties.Environment.EnvironmentVariables as { Name: string; Value: unknown }[]
        ).map((v) => [v.Name, v.Value]),
      );
    const [drift, plan] = [variablesOf('tfpf-dev-drift'), variablesOf('tfpf-dev-plan')];
    expect(plan.TFPF_TOOLS_BUNDLE_PREFIX).toMatch(/^bundles\/[0-9a-f]{64}\/?$/);
    expect(drift.TFPF_TOOLS_BUNDLE_BUCKET).toEqual(plan.TFPF_TOOLS_BUNDLE_BUCKET);
    expect(drift.TFPF_TOOLS_BUNDLE_PREFIX).toEqual(plan.TFPF_TOOLS_BUNDLE_PREFIX);
  });

  test('the plan project role can neither write the ledger nor publish nor put events', () => {
    const role = Object.keys(
      dev.findResources('AWS::IAM::Role', { Properties: { RoleName: 'tfpf-dev-plan-project' } }),
    )[0] as string;
    const actions = actionsOf(roleStatements(dev, role));
    expect(actions).toEqual(expect.arrayContaining(['codecommit:GitPull', 'sts:AssumeRole']));
    for (const forbidden of [/^dynamodb:/, /^sns:/, /^events:/, /^states:/, /^lambda:/]) {
      expect(actions.filter((a) => forbidden.test(a))).toEqual([]);
    }
  });
});

describe('IAM of each piece', () => {
  test('the state machine may start, watch and stop only the drift project of its environment', () => {
    const machine = Object.values(tooling.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    const roleId = machine.Properties.RoleArn['Fn::GetAtt'][0] as string;
    const statements = roleStatements(tooling, roleId);
    const codebuild = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('codebuild:')));
    expect(codebuild).toEqual([
      {
        Sid: 'RunDriftProject',
        Effect: 'Allow',
        Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
        Resource: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/tfpf-dev-drift`,
      },
    ]);
    expect(actionsOf(statements).filter((a) => /^(dynamodb|sns|iam|sts):/.test(a))).toEqual([]);
  });

  test('the recorder writes only drift records, publishes only to the failure topic, puts only tfpf events', () => {
    const roleId = roleIdByDescription(
      tooling,
      'tfpf drift recorder: writes drift records, notifies drift and failed checks',
    );
    const statements = roleStatements(tooling, roleId);
    expect(statements.find((s) => s.Sid === 'DriftRecordsOnly')).toEqual({
      Sid: 'DriftRecordsOnly',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseTriggerReleaseLedger/), 'Arn'] },
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['drift#*'] } },
    });
    expect(statements.find((s) => s.Sid === 'PutDriftEvents')?.Condition).toEqual({
      StringEquals: { 'events:source': 'tfpf' },
    });
    const actions = actionsOf(statements);
    expect(
      actions.filter((a) => /^dynamodb:(Scan|Query|DeleteItem|UpdateItem|BatchWriteItem)$/.test(a)),
    ).toEqual([]);
    expect(actions.filter((a) => /^(codebuild|states|iam|sts):/.test(a))).toEqual([]);
  });

  test('the lister only scans the ledger', () => {
    const roleId = roleIdByDescription(
      tooling,
      'tfpf drift lister: reads the deployment records of the release ledger',
    );
    const actions = actionsOf(roleStatements(tooling, roleId)).filter((a) => !a.startsWith('logs:'));
    expect(actions).toEqual(['dynamodb:Scan', 'kms:Decrypt']);
  });

  test('the schedule may only start its state machine', () => {
    const schedule = Object.values(tooling.findResources('AWS::Scheduler::Schedule'))[0]!;
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
    const statements = roleStatements(tooling, roleId);
    expect(actionsOf(statements)).toEqual(['states:StartExecution']);
  });
});

describe('chat notifications', () => {
  test('the Slack channel receives the approval and failure topics, with a deny-everything guardrail', () => {
    dev.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
    const channel = Object.values(dev.findResources('AWS::Chatbot::SlackChannelConfiguration'))[0]!
      .Properties;
    expect(channel).toMatchObject({
      ConfigurationName: 'tfpf-dev-slack',
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCDEF',
      UserRoleRequired: false,
    });
    expect(channel.SnsTopicArns).toEqual([
      { Ref: expect.stringMatching(/^ApprovalTopic/) },
      `arn:aws:sns:${REGION}:${ACCOUNT}:tfpf-failures`,
    ]);
    expect(channel.GuardrailPolicies).toEqual([{ Ref: expect.stringMatching(/^ChatGuardrail/) }]);
    dev.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{ Sid: 'NotificationsOnly', Effect: 'Deny', Action: '*', Resource: '*' }],
        Version: '2012-10-17',
      },
    });
  });

  test('the channel role has no permission', () => {
    const channel = Object.values(dev.findResources('AWS::Chatbot::SlackChannelConfiguration'))[0]!
      .Properties;
    const roleId = channel.IamRoleArn['Fn::GetAtt'][0] as string;
    expect(roleStatements(dev, roleId)).toEqual([]);
    expect(dev.findResources('AWS::IAM::Role')[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('cdk-nag', () => {
  test('the app with drift checks and a chat channel has no unacknowledged finding', () => {
    const nagged = buildTestApp(modelWith({ 'dev.yaml': DEV }), { nag: true });
    expect(() => nagged.app.synth()).not.toThrow();
  });
});
