import {
  CodePipelineClient,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
} from '@aws-sdk/client-codepipeline';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Match } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import {
  buildFailureNotification,
  executionConsoleUrl,
  oneLine,
  type ReleaseFailedDetail,
} from '../../src/pipeline/notifier/failure-message';
import { createHandler, type PipelineExecutionStateChangeEvent } from '../../src/pipeline/notifier/lambda';
import { modelWith } from '../support/config-files';
import { buildTestApp, TEST_ENV } from '../support/test-app';

const VARIABLES = {
  RELEASE_TAG: 'dev_eu-central-1/research/1.4.0',
  ENVIRONMENT: 'dev',
  REGION: 'eu-central-1',
  TARGET_REGION: 'eu-central-1',
  TEAM: 'research',
  VERSION: '1.4.0',
  STATE_KEY: 'research/dev-eu-central-1/terraform.tfstate',
  TARGET_ACCOUNT: '111111111111',
  COMMIT_ID: '0123456789abcdef0123456789abcdef01234567',
};

describe('failure notification (pure)', () => {
  test('names environment, tag, failed stage, commit and a console link', () => {
    const n = buildFailureNotification({
      pipeline: 'tfpf-dev',
      executionId: 'exec-1',
      region: 'eu-central-1',
      variables: VARIABLES,
      failedActions: [{ stage: 'Checks', action: 'tfsec', summary: 'tfsec: 2 finding(s) at or above LOW' }],
    });
    expect(n.subject).toBe('tfpf: dev release dev_eu-central-1/research/1.4.0 failed at Checks');
    expect(n.message).toContain('Tag:          dev_eu-central-1/research/1.4.0');
    expect(n.message).toContain('Failed stage: Checks');
    expect(n.message).toContain(`Commit:       ${VARIABLES.COMMIT_ID}`);
    expect(n.message).toContain('Checks / tfsec: tfsec: 2 finding(s) at or above LOW');
    expect(n.message).toContain(
      'https://eu-central-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/tfpf-dev/executions/exec-1/timeline?region=eu-central-1',
    );
    expect(n.detail).toEqual<ReleaseFailedDetail>({
      pipeline: 'tfpf-dev',
      executionId: 'exec-1',
      environment: 'dev',
      tag: VARIABLES.RELEASE_TAG,
      commit: VARIABLES.COMMIT_ID,
      team: 'research',
      region: 'eu-central-1',
      account: '111111111111',
      failedStage: 'Checks',
      failedActions: [{ stage: 'Checks', action: 'tfsec', summary: 'tfsec: 2 finding(s) at or above LOW' }],
      consoleUrl: executionConsoleUrl('eu-central-1', 'tfpf-dev', 'exec-1'),
    });
  });

  test('a rejected approval is reported as such', () => {
    const n = buildFailureNotification({
      pipeline: 'tfpf-prod',
      executionId: 'e',
      region: 'us-east-1',
      variables: { ...VARIABLES, ENVIRONMENT: 'prod', RELEASE_TAG: 'prod_us-east-1/risk/2.0' },
      failedActions: [
        { stage: 'Approval', action: 'approve', summary: 'Rejected by alice: too many destroys' },
      ],
    });
    expect(n.subject).toBe('tfpf: prod release prod_us-east-1/risk/2.0 rejected or timed out at approval');
    expect(n.detail.failedStage).toBe('Approval');
  });

  test("an execution without release variables falls back to the pipeline's environment", () => {
    const n = buildFailureNotification({
      pipeline: 'tfpf-qa',
      executionId: 'e',
      region: 'us-east-1',
      variables: {},
      failedActions: [],
      statusSummary: 'stopped',
      fallbackEnvironment: 'qa',
    });
    expect(n.detail).toMatchObject({ environment: 'qa', tag: null, failedStage: 'unknown' });
    expect(n.message).toContain('(none: the execution was not started by the tag handler)');
    expect(n.message).toContain('Status: stopped');
  });

  test('subject is one printable line of at most 100 characters; untrusted text is flattened', () => {
    const n = buildFailureNotification({
      pipeline: 'tfpf-dev',
      executionId: 'e',
      region: 'us-east-1',
      variables: { ...VARIABLES, RELEASE_TAG: `x\n${'y'.repeat(300)}\u0007é` },
      failedActions: [{ stage: 'Apply', action: 'apply', summary: 'line1\r\nline2\tend' }],
    });
    expect(n.subject.length).toBeLessThanOrEqual(100);
    expect(n.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(n.detail.failedActions[0].summary).toBe('line1 line2 end');
    expect(oneLine('a\u0000b', 10)).toBe('a b');
  });
});

describe('failure notifier handler (SDK mocked)', () => {
  const codepipeline = mockClient(CodePipelineClient);
  const sns = mockClient(SNSClient);
  const events = mockClient(EventBridgeClient);
  const handler = createHandler(
    { codepipeline: new CodePipelineClient({}), sns: new SNSClient({}), events: new EventBridgeClient({}) },
    {
      topicArn: 'arn:aws:sns:eu-central-1:123456789012:tfpf-failures',
      eventSource: 'tfpf',
      environments: { 'tfpf-dev': 'dev' },
    },
  );
  const event: PipelineExecutionStateChangeEvent = {
    'detail-type': 'CodePipeline Pipeline Execution State Change',
    source: 'aws.codepipeline',
    region: 'eu-central-1',
    account: '123456789012',
    detail: { pipeline: 'tfpf-dev', 'execution-id': 'exec-42', state: 'FAILED', version: 3 },
  };

  beforeEach(() => {
    codepipeline.reset();
    sns.reset();
    events.reset();
  });

  test('reads the execution variables and failed actions, publishes to SNS and puts "Release Failed"', async () => {
    codepipeline.on(GetPipelineExecutionCommand).resolves({
      pipelineExecution: {
        pipelineExecutionId: 'exec-42',
        status: 'Failed',
        variables: Object.entries(VARIABLES).map(([name, resolvedValue]) => ({ name, resolvedValue })),
      },
    });
    codepipeline
      .on(ListActionExecutionsCommand)
      .resolvesOnce({
        actionExecutionDetails: [
          { stageName: 'Checks', actionName: 'tflint', status: 'Succeeded' },
          {
            stageName: 'Checks',
            actionName: 'plan',
            status: 'Failed',
            output: {
              executionResult: {
                externalExecutionSummary: 'Build terminated with state: FAILED',
                externalExecutionUrl: 'https://console/build/1',
              },
            },
          },
        ],
        nextToken: 'page2',
      })
      .resolvesOnce({
        actionExecutionDetails: [{ stageName: 'Source', actionName: 'Source', status: 'Succeeded' }],
      });
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });

    await handler(event);

    expect(codepipeline.commandCalls(GetPipelineExecutionCommand)[0].args[0].input).toEqual({
      pipelineName: 'tfpf-dev',
      pipelineExecutionId: 'exec-42',
    });
    const pages = codepipeline.commandCalls(ListActionExecutionsCommand).map((c) => c.args[0].input);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toMatchObject({ pipelineName: 'tfpf-dev', filter: { pipelineExecutionId: 'exec-42' } });
    expect(pages[1].nextToken).toBe('page2');

    const publish = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(publish.TopicArn).toBe('arn:aws:sns:eu-central-1:123456789012:tfpf-failures');
    expect(publish.Subject).toBe('tfpf: dev release dev_eu-central-1/research/1.4.0 failed at Checks');
    expect(publish.Message).toContain('Checks / plan: Build terminated with state: FAILED');

    const put = events.commandCalls(PutEventsCommand)[0].args[0].input.Entries?.[0];
    expect(put?.Source).toBe('tfpf');
    expect(put?.DetailType).toBe('Release Failed');
    expect(JSON.parse(put?.Detail ?? '{}')).toMatchObject({
      environment: 'dev',
      tag: VARIABLES.RELEASE_TAG,
      failedStage: 'Checks',
      failedActions: [{ stage: 'Checks', action: 'plan', url: 'https://console/build/1' }],
      executionId: 'exec-42',
    });
  });

  test('an AWS error propagates (so Lambda retries) and nothing is published', async () => {
    codepipeline.on(GetPipelineExecutionCommand).rejects(new Error('ThrottlingException'));
    await expect(handler(event)).rejects.toThrow('ThrottlingException');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  test('events for other states are ignored', async () => {
    await handler({ ...event, detail: { ...event.detail, state: 'SUCCEEDED' } });
    expect(codepipeline.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('failure notifier wiring (tooling stack)', () => {
  const testApp = buildTestApp(modelWith());
  const template = testApp.template(testApp.tooling);
  const pipelines = ['tfpf-dev', 'tfpf-prod', 'tfpf-qa', 'tfpf-staging'];

  test('one rule: any FAILED execution of exactly the factory pipelines, to the notifier with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.codepipeline'],
        'detail-type': ['CodePipeline Pipeline Execution State Change'],
        detail: { state: ['FAILED'], pipeline: pipelines },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
  });

  test('the notifier may read only the factory pipelines and publish only to the failure topic and as tfpf', () => {
    const role = testApp.tooling.resolve(testApp.tooling.failureNotifier.role.roleName) as { Ref: string };
    const pipelineArns = pipelines.map(
      (p) => `arn:aws:codepipeline:${TEST_ENV.region}:${TEST_ENV.account}:${p}`,
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [role],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['codepipeline:GetPipelineExecution', 'codepipeline:ListActionExecutions'],
            Resource: pipelineArns,
          }),
          Match.objectLike({
            Action: 'sns:Publish',
            Resource: testApp.tooling.resolve(testApp.tooling.failureTopic.topicArn),
          }),
          Match.objectLike({
            Action: 'events:PutEvents',
            Condition: { StringEquals: { 'events:source': 'tfpf' } },
          }),
        ]),
      },
    });
  });

  test('the notifier function: Node.js 24, bundled, DLQ, encrypted log group kept a year', () => {
    const fnProps = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('failure notifier') },
    });
    const [fn] = Object.values(fnProps) as { Properties: Record<string, unknown> }[];
    const tooling = testApp.tooling;
    const keyArn = tooling.resolve(tooling.encryptionKey.keyArn) as unknown;
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      DeadLetterConfig: { TargetArn: tooling.resolve(tooling.failureNotifier.deadLetterQueue.queueArn) },
    });
    const logGroup = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(template.findResources('AWS::Logs::LogGroup')[logGroup].Properties).toEqual({
      RetentionInDays: 365,
      KmsKeyId: keyArn,
    });
  });
});
