import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { loadBuildSpec } from '../../src/pipeline/buildspec-loader';
import { toolsLockFiles } from '../../src/pipeline/terraform-projects';
import { modelWith, SHIPPED_CONFIG_BUILD_ENVIRONMENT } from '../support/config-files';
import { buildTestApp, FIXTURE_BUILDSPECS, projectBuildSpec } from '../support/test-app';

type ProjectJson = {
  Name: string;
  Environment: {
    Type: string;
    ComputeType: string;
    Image: string;
    PrivilegedMode?: boolean;
    EnvironmentVariables: { Name: string; Type: string; Value: unknown }[];
  };
  TimeoutInMinutes?: number;
  Cache?: { Type: string; Modes?: string[] };
  EncryptionKey: unknown;
  ServiceRole: unknown;
  LogsConfig: { CloudWatchLogs: { GroupName: { Ref: string }; Status: string } };
  Source: { Type: string; BuildSpec: unknown };
};

function projects(template: Template): Record<string, ProjectJson & { logicalId: string }> {
  const out: Record<string, ProjectJson & { logicalId: string }> = {};
  for (const [logicalId, resource] of Object.entries(template.findResources('AWS::CodeBuild::Project'))) {
    const props = resource.Properties as ProjectJson;
    out[props.Name.replace(/^tfpf-dev-/, '')] = { ...props, logicalId };
  }
  return out;
}

function envVars(project: ProjectJson): Record<string, unknown> {
  return Object.fromEntries(project.Environment.EnvironmentVariables.map((v) => [v.Name, v.Value]));
}

describe('CodeBuild projects (default config, dev)', () => {
  const model = modelWith();
  const testApp = buildTestApp(model);
  const template = testApp.template(testApp.environments.dev);
  const byName = projects(template);

  test('one project per action, named tfpf-dev-<action>', () => {
    expect(Object.keys(byName).sort()).toEqual(['apply', 'checkov', 'plan', 'tflint', 'tfsec']);
  });

  test('every project gets the static contract variables from the configuration (and no LOCK_TABLE)', () => {
    for (const [name, project] of Object.entries(byName)) {
      for (const v of project.Environment.EnvironmentVariables) expect(v.Type).toBe('PLAINTEXT');
      expect(envVars(project)).toEqual({
        STATE_BUCKET: 'acme-tfstate-dev',
        STATE_REGION: 'eu-central-1',
        STATE_KMS_KEY: 'arn:aws:kms:eu-central-1:123456789012:alias/acme-tfstate-dev-state',
        LOCKING: 's3-lockfile',
        TF_ENGINE: 'terraform',
        TF_VERSION: '1.12.2',
        TFLINT_VERSION: '0.64.0',
        TFSEC_VERSION: model.factory.tools.tfsec,
        CHECKOV_VERSION: '3.3.30',
        ...SHIPPED_CONFIG_BUILD_ENVIRONMENT,
        PLAN_ROLE_NAME: 'tfpf-dev-plan',
        APPLY_ROLE_NAME: 'tfpf-dev-apply',
        AWS_PARTITION: 'aws',
        TEAM_ACCOUNTS: 'research=111111111111 risk=222222222222',
        TFPF_COMPUTE: name === 'apply' ? 'ec2' : 'lambda',
      });
    }
  });

  test('in eu-central-1 scanners and plan run on Lambda compute (no timeout, no cache), apply on EC2 (no cache either)', () => {
    for (const name of ['tflint', 'tfsec', 'checkov', 'plan']) {
      const p = byName[name];
      expect(p.Environment.Type).toBe('LINUX_LAMBDA_CONTAINER');
      expect(p.Environment.ComputeType).toMatch(/^BUILD_LAMBDA_/);
      expect(p.TimeoutInMinutes).toBeUndefined();
      expect(p.Cache).toEqual({ Type: 'NO_CACHE' });
    }
    expect(byName.checkov.Environment.ComputeType).toBe('BUILD_LAMBDA_4GB');
    expect(byName.plan.Environment.ComputeType).toBe('BUILD_LAMBDA_4GB');
    expect(byName.tflint.Environment.ComputeType).toBe('BUILD_LAMBDA_2GB');
    const apply = byName.apply;
    expect(apply.Environment).toMatchObject({
      Type: 'LINUX_CONTAINER',
      Image: 'aws/codebuild/standard:7.0',
      ComputeType: 'BUILD_GENERAL1_MEDIUM',
      PrivilegedMode: false,
    });
    expect(apply.TimeoutInMinutes).toBe(120);
    // No project has a cache: a build running repo code could write it (and the next build would trust it).
    expect(apply.Cache).toEqual({ Type: 'NO_CACHE' });
  });

  test('no buildspec carries a cache: section', () => {
    // Mutations caught: inlining the buildspec unchanged; keeping cache paths on EC2 projects.
    for (const name of ['tflint', 'tfsec', 'checkov', 'plan', 'apply']) {
      expect(projectBuildSpec(testApp.app, byName[name].Source.BuildSpec)).not.toHaveProperty('cache');
    }
  });

  test('each project reads its composed buildspec from an S3 asset it may read, never inline', () => {
    for (const [name, project] of Object.entries(byName)) {
      expect(project.Source.BuildSpec).toMatch(
        /^arn:aws:s3:::cdk-hnb659fds-assets-123456789012-eu-central-1\/[0-9a-f]{64}\.yml$/,
      );
      const spec = projectBuildSpec(testApp.app, project.Source.BuildSpec);
      expect(spec.version).toBe(0.2);
      const role = (project.ServiceRole as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: role }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']), Effect: 'Allow' }),
          ]),
        },
      });
      expect(name).toMatch(/^(tflint|tfsec|checkov|plan|apply)$/);
    }
  });

  test('artifacts and logs are encrypted with the pipeline key; logs kept one year', () => {
    const keys = Object.keys(template.findResources('AWS::KMS::Key'));
    expect(keys).toHaveLength(1);
    for (const p of Object.values(byName)) {
      expect(p.EncryptionKey).toEqual({ 'Fn::GetAtt': [keys[0], 'Arn'] });
      const logGroup =
        template.findResources('AWS::Logs::LogGroup')[p.LogsConfig.CloudWatchLogs.GroupName.Ref];
      expect(logGroup.Properties).toEqual({
        RetentionInDays: 365,
        KmsKeyId: { 'Fn::GetAtt': [keys[0], 'Arn'] },
      });
    }
  });

  test('the plan buildspec is the composed file with the tools lock of the config (without cache:)', () => {
    const stored = projectBuildSpec(testApp.app, byName.plan.Source.BuildSpec);
    const { cache: _cache, ...file } = loadBuildSpec('plan', FIXTURE_BUILDSPECS, toolsLockFiles(model));
    expect(stored).toEqual(file);
  });

  test('scanner reports go to report groups of the stack (named <project>-<group>), which the project may write', () => {
    for (const scanner of ['tflint', 'checkov', 'tfsec']) {
      // The buildspec names the group; CodeBuild resolves it to <project>-<group>, which the stack created.
      const spec = projectBuildSpec(testApp.app, byName[scanner].Source.BuildSpec);
      expect(Object.keys(spec.reports as object)).toEqual([scanner]);
      const bound = Object.entries(template.findResources('AWS::CodeBuild::ReportGroup'))
        .filter(([, g]) => (g.Properties as { Name: string }).Name === `tfpf-dev-${scanner}-${scanner}`)
        .map(([id]) => id);
      expect(bound).toHaveLength(1);
      template.hasResourceProperties('AWS::CodeBuild::ReportGroup', { Type: 'TEST' });
      const role = (byName[scanner].ServiceRole as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: role }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['codebuild:BatchPutTestCases', 'codebuild:CreateReport']),
              Resource: { 'Fn::GetAtt': [bound[0], 'Arn'] },
            }),
          ]),
        },
      });
    }
  });
});

describe('configuration variants', () => {
  test('DynamoDB locking adds LOCK_TABLE = <prefix>-lock-<env> to every project', () => {
    const model = modelWith({
      'factory.yaml': [
        'repository: infra',
        'stateBucketPrefix: acme-tfstate',
        'globalRegion: us-east-1',
        'locking: dynamodb',
        'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
        '',
      ].join('\n'),
    });
    const testApp = buildTestApp(model);
    for (const p of Object.values(projects(testApp.template(testApp.environments.dev)))) {
      expect(envVars(p)).toMatchObject({ LOCKING: 'dynamodb', LOCK_TABLE: 'acme-tfstate-lock-dev' });
    }
  });

  test('OpenTofu engine passes the OpenTofu version as TF_VERSION', () => {
    const model = modelWith({
      'factory.yaml': [
        'repository: infra',
        'stateBucketPrefix: acme-tfstate',
        'globalRegion: us-east-1',
        'tools: { engine: opentofu, opentofu: 1.12.6, terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
        '',
      ].join('\n'),
    });
    const testApp = buildTestApp(model);
    for (const p of Object.values(projects(testApp.template(testApp.environments.dev)))) {
      expect(envVars(p)).toMatchObject({ TF_ENGINE: 'opentofu', TF_VERSION: '1.12.6' });
    }
  });

  test('scannerCompute ec2 moves the scanners to EC2 with a 30-minute timeout', () => {
    const testApp = buildTestApp(modelWith(), { scannerCompute: 'ec2' });
    const byName = projects(testApp.template(testApp.environments.dev));
    for (const scanner of ['tflint', 'tfsec', 'checkov']) {
      expect(byName[scanner].Environment.Type).toBe('LINUX_CONTAINER');
      expect(byName[scanner].TimeoutInMinutes).toBe(30);
      expect(envVars(byName[scanner]).TFPF_COMPUTE).toBe('ec2');
    }
  });

  test('a missing buildspec fails synthesis naming the file', () => {
    expect(() =>
      buildTestApp(modelWith(), { buildSpecDir: path.join(FIXTURE_BUILDSPECS, 'missing') }),
    ).toThrow(/missing[/\\]tflint\.yml: buildspec "tflint" is missing/);
  });
});
