import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import {
  approvalMessage,
  CUSTOM_DATA_LIMIT,
  WORST_CASE_LENGTHS,
  worstCaseResolvedLength,
} from '../../src/pipeline/approval-message';
import { RELEASE_VARIABLES } from '../../src/pipeline/release-variables';
import { modelWith } from '../support/config-files';
import { buildTestApp } from '../support/test-app';

const VARIABLE_NAMES = RELEASE_VARIABLES.map((v) => v.name);

interface ActionJson {
  Name: string;
  RunOrder?: number;
  Namespace?: string;
  ActionTypeId: { Category: string; Provider: string };
  Configuration: Record<string, unknown>;
  InputArtifacts?: { Name: string }[];
  OutputArtifacts?: { Name: string }[];
}
interface StageJson {
  Name: string;
  Actions: ActionJson[];
}

function pipelineProps(template: Template): Record<string, unknown> {
  const pipelines = template.findResources('AWS::CodePipeline::Pipeline');
  const values = Object.values(pipelines);
  expect(values).toHaveLength(1);
  return values[0].Properties as Record<string, unknown>;
}

function stagesOf(template: Template): StageJson[] {
  return pipelineProps(template).Stages as StageJson[];
}

describe('environment pipeline (default config, dev)', () => {
  // GIVEN the shipped configuration
  const testApp = buildTestApp(modelWith());
  const template = testApp.template(testApp.environments.dev);
  const stages = stagesOf(template);

  test('is a V2 pipeline named tfpf-dev in PARALLEL execution mode (never SUPERSEDED)', () => {
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Name: 'tfpf-dev',
      PipelineType: 'V2',
      ExecutionMode: 'PARALLEL',
      RestartExecutionOnUpdate: false,
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('SUPERSEDED');
  });

  test('has no trigger, no polling and no event rule that could start it', () => {
    const props = pipelineProps(template);
    expect(props.Triggers).toBeUndefined();
    const source = stages[0].Actions[0];
    expect(source.Configuration.PollForSourceChanges).toBe(false);
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('declares the release variables, none with a default value', () => {
    const variables = pipelineProps(template).Variables as { Name: string; DefaultValue?: string }[];
    expect(variables.map((v) => v.Name)).toEqual(VARIABLE_NAMES);
    for (const v of variables) expect(v.DefaultValue).toBeUndefined();
  });

  test('stages run Source → Checks → Approval → Apply', () => {
    expect(stages.map((s) => s.Name)).toEqual(['Source', 'Checks', 'Approval', 'Apply']);
  });

  test('Source is the CodeCommit repository on the main branch, action "Source" (the handler overrides its revision)', () => {
    expect(stages[0].Actions).toHaveLength(1);
    const source = stages[0].Actions[0];
    expect(source.Name).toBe('Source');
    expect(source.ActionTypeId).toMatchObject({ Category: 'Source', Provider: 'CodeCommit' });
    expect(source.Configuration).toMatchObject({ RepositoryName: 'infra', BranchName: 'main' });
    expect(source.OutputArtifacts).toEqual([{ Name: 'Source' }]);
  });

  test('Checks runs tflint, checkov, tfsec and plan in parallel (all runOrder 1) on the source', () => {
    const checks = stages[1].Actions;
    expect(checks.map((a) => a.Name)).toEqual(['tflint', 'checkov', 'tfsec', 'plan']);
    for (const action of checks) {
      expect(action.RunOrder).toBe(1);
      expect(action.ActionTypeId.Provider).toBe('CodeBuild');
      expect(action.InputArtifacts).toEqual([{ Name: 'Source' }]);
    }
  });

  test('the source action exports its variables in namespace SourceVariables', () => {
    expect(stages[0].Actions[0].Namespace).toBe('SourceVariables');
  });

  test('scanners export their variables in namespaces Tflint, Checkov and Tfsec', () => {
    const namespaces = Object.fromEntries(stages[1].Actions.map((a) => [a.Name, a.Namespace]));
    expect(namespaces).toEqual({ tflint: 'Tflint', checkov: 'Checkov', tfsec: 'Tfsec', plan: 'Plan' });
  });

  test('plan exports its variables in namespace Plan and outputs the PlanOutput artifact', () => {
    const plan = stages[1].Actions.find((a) => a.Name === 'plan');
    expect(plan?.Namespace).toBe('Plan');
    expect(plan?.OutputArtifacts).toEqual([{ Name: 'PlanOutput' }]);
    for (const scanner of stages[1].Actions.filter((a) => a.Name !== 'plan')) {
      expect(scanner.OutputArtifacts).toBeUndefined();
    }
  });

  test('every CodeBuild action gets each release variable and SOURCE_COMMIT; apply also PLAN_DIGEST', () => {
    const codebuildActions = stages
      .flatMap((s) => s.Actions)
      .filter((a) => a.ActionTypeId.Provider === 'CodeBuild');
    expect(codebuildActions.map((a) => a.Name)).toEqual(['tflint', 'checkov', 'tfsec', 'plan', 'apply']);
    for (const action of codebuildActions) {
      const vars = JSON.parse(action.Configuration.EnvironmentVariables as string) as {
        name: string;
        type: string;
        value: string;
      }[];
      expect(vars).toEqual([
        ...VARIABLE_NAMES.map((name) => ({ name, type: 'PLAINTEXT', value: `#{variables.${name}}` })),
        // the commit the source action fetched, checked against COMMIT_ID by every buildspec
        { name: 'SOURCE_COMMIT', type: 'PLAINTEXT', value: '#{SourceVariables.CommitId}' },
        // the approved digest reaches apply through the pipeline, never through the artifact it protects
        ...(action.Name === 'apply'
          ? [{ name: 'PLAN_DIGEST', type: 'PLAINTEXT', value: '#{Plan.PLAN_DIGEST}' }]
          : []),
      ]);
    }
  });

  test('Approval notifies the approval topic with tag, commit, plan summary and a link to the plan build', () => {
    expect(stages[2].Actions).toHaveLength(1);
    const approve = stages[2].Actions[0];
    expect(approve.ActionTypeId).toMatchObject({ Category: 'Approval', Provider: 'Manual' });
    expect(approve.RunOrder).toBe(1);
    const custom = approve.Configuration.CustomData as string;
    for (const ref of [
      '#{variables.RELEASE_TAG}',
      '#{variables.COMMIT_ID}',
      '#{Plan.PLAN_SUMMARY}',
      '#{variables.TARGET_ACCOUNT}',
      'Plan digest: sha256:#{Plan.PLAN_DIGEST}',
      'repo values overridden: #{Plan.PLAN_OVERRIDES}',
      'tflint #{Tflint.SCAN_SKIPPED}',
      'checkov #{Checkov.SCAN_SKIPPED}',
      'tfsec #{Tfsec.SCAN_SKIPPED}',
    ]) {
      expect(custom).toContain(ref);
    }
    expect(custom).toBe(approvalMessage());
    expect(custom.length).toBeLessThanOrEqual(CUSTOM_DATA_LIMIT);
    expect(approve.Configuration.ExternalEntityLink).toBe('#{Plan.PLAN_BUILD_URL}');
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topic).toHaveLength(1);
    expect(approve.Configuration.NotificationArn).toEqual({ Ref: topic[0] });
    expect((approve as unknown as { TimeoutInMinutes: number }).TimeoutInMinutes).toBe(10080);
  });

  test('the approval topic is KMS-encrypted with the pipeline key, TLS-only, and emails approval.notify', () => {
    const key = new Capture();
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'tfpf-dev-approvals',
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
    expect(template.findResources('AWS::KMS::Key')[key.asString()]).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'platform@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('Apply applies the plan artifact: primary input Source, secondary PlanOutput, no re-plan', () => {
    expect(stages[3].Actions).toHaveLength(1);
    const apply = stages[3].Actions[0];
    expect(apply.Name).toBe('apply');
    expect(apply.RunOrder).toBe(1);
    expect(apply.InputArtifacts).toEqual([{ Name: 'Source' }, { Name: 'PlanOutput' }]);
    expect(apply.Configuration.PrimarySource).toBe('Source');
    const project = template.findResources('AWS::CodeBuild::Project', {
      Properties: { Name: 'tfpf-dev-apply' },
    });
    expect(Object.keys(project)).toEqual([(apply.Configuration.ProjectName as { Ref: string }).Ref]);
  });

  test("artifacts go to this environment's own KMS-encrypted bucket", () => {
    const props = pipelineProps(template);
    const store = props.ArtifactStore as { Location: { Ref: string }; EncryptionKey: { Id: unknown } };
    const bucket = template.findResources('AWS::S3::Bucket')[store.Location.Ref];
    expect(bucket).toBeDefined();
    const keyId = (store.EncryptionKey.Id as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect((bucket.Properties as { BucketEncryption: unknown }).BucketEncryption).toMatchObject({
      ServerSideEncryptionConfiguration: [
        {
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
          },
        },
      ],
    });
  });
});

describe('approval message length (CustomData <= 1000 characters once resolved)', () => {
  test('the worst case fits: tag 200, PLAN_SUMMARY 250, digest 64, every other variable at its longest', () => {
    // Mutation caught: adding SCAN_SKIPPED_IDS (3 x 200 characters) or more text to the message.
    const message = approvalMessage();
    const worst = message.replace(/#\{([^}]+)\}/g, (_, ref: string) => 'x'.repeat(WORST_CASE_LENGTHS[ref]));
    expect(worst.length).toBe(worstCaseResolvedLength(message));
    expect(worst.length).toBeLessThanOrEqual(CUSTOM_DATA_LIMIT);
    expect(WORST_CASE_LENGTHS['variables.RELEASE_TAG']).toBe(200);
    expect(WORST_CASE_LENGTHS['Plan.PLAN_SUMMARY']).toBe(250);
  });

  test('a variable without a known bound cannot enter the message unchecked', () => {
    expect(() => worstCaseResolvedLength('x #{Tflint.SCAN_SKIPPED_IDS}')).toThrow(
      /no worst-case length known for #\{Tflint\.SCAN_SKIPPED_IDS\}/,
    );
    expect(worstCaseResolvedLength('#{Plan.PLAN_DIGEST}')).toBe(64);
  });
});

describe('environment without required approval', () => {
  test('has no Approval stage and no approval topic', () => {
    // GIVEN dev without approval
    const model = modelWith({
      'dev.yaml': [
        'environment: dev',
        'regions: [us-east-1]',
        'teams:',
        '  research: { account: "111111111111" }',
        'approval:',
        '  required: false',
        '',
      ].join('\n'),
    });
    // WHEN
    const testApp = buildTestApp(model);
    const template = testApp.template(testApp.environments.dev);
    // THEN
    expect(stagesOf(template).map((s) => s.Name)).toEqual(['Source', 'Checks', 'Apply']);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(testApp.environments.dev.approvalTopic).toBeUndefined();
    // and prod (protected) still has it
    const prod = testApp.template(testApp.environments.prod);
    expect(stagesOf(prod).map((s) => s.Name)).toContain('Approval');
  });

  test('approval timeout comes from approval.timeoutMinutes', () => {
    const model = modelWith({
      'qa.yaml': [
        'environment: qa',
        'regions: [us-east-1]',
        'teams:',
        '  research: { account: "111111111112" }',
        'approval:',
        '  required: true',
        '  timeoutMinutes: 120',
        '',
      ].join('\n'),
    });
    const testApp = buildTestApp(model);
    const approval = stagesOf(testApp.template(testApp.environments.qa)).find((s) => s.Name === 'Approval');
    expect((approval?.Actions[0] as unknown as { TimeoutInMinutes: number }).TimeoutInMinutes).toBe(120);
  });
});
