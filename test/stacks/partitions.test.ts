import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../src/config';
import { modelWith } from '../support/config-files';
import { buildTestApp, PROJECT_ROOT, projectBuildSpec, TEST_ENV, type TestApp } from '../support/test-app';

type ProjectJson = {
  Name: string;
  Environment: {
    Type: string;
    ComputeType: string;
    EnvironmentVariables: { Name: string; Value: unknown }[];
  };
  TimeoutInMinutes?: number;
  Cache?: { Type: string };
  Source: { BuildSpec: unknown };
};

function projects(template: Template): Record<string, ProjectJson> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::CodeBuild::Project')).map((r) => {
      const p = r.Properties as ProjectJson;
      return [p.Name.replace(/^tfpf-dev-/, ''), p];
    }),
  );
}

function envVar(p: ProjectJson, name: string): unknown {
  return p.Environment.EnvironmentVariables.find((v) => v.Name === name)?.Value;
}

/** Every `kms:ViaService` value of a template, as written. */
function viaServices(template: Template): unknown[] {
  const found: unknown[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'kms:ViaService') found.push(...(Array.isArray(value) ? value : [value]));
        else walk(value);
      }
    }
  };
  walk(template.toJSON());
  return found;
}

/** A configuration whose environments, global region and releases all live in one partition's regions. */
function configIn(regions: [string, string], devExtra = ''): ReturnType<typeof modelWith> {
  return modelWith({
    'factory.yaml': [
      'repository: infra',
      'stateBucketPrefix: acme-tfstate',
      `globalRegion: ${regions[0]}`,
      'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
      '',
    ].join('\n'),
    'dev.yaml': [
      'environment: dev',
      `regions: [${regions.join(', ')}]`,
      'teams:',
      '  research: { account: "111111111111" }',
      'approval: { required: true, notify: [platform@example.com] }',
      devExtra,
    ].join('\n'),
    'qa.yaml': null,
    'staging.yaml': null,
    'prod.yaml': null,
  });
}

const CFN_LINT = path.join(PROJECT_ROOT, '.tools', 'bin', 'cfn-lint');

/** cfn-lint over every template of the app, for its region (as scripts/check-templates runs it). */
function cfnLint(testApp: TestApp, region: string): { status: number | null; output: string } {
  const dir = testApp.app.synth().directory;
  const templates = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => path.join(dir, f));
  const result = spawnSync(
    CFN_LINT,
    ['--non-zero-exit-code', 'warning', '--ignore-checks', 'W3005', '--regions', region, '--', ...templates],
    { encoding: 'utf8', timeout: 240_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// cfn-lint is one of the project's tools (scripts/install-tools): missing, it is a failing install, never a skip.
test('cfn-lint is installed', () => {
  expect(fs.existsSync(CFN_LINT)).toBe(true);
});
const lintIt = test;

describe.each([
  // GIVEN a tooling region of each partition, none of which has CodeBuild Lambda compute
  { region: 'eu-west-2', partition: 'aws', suffix: 'amazonaws.com', regions: ['eu-west-2', 'eu-west-3'] },
  {
    region: 'cn-north-1',
    partition: 'aws-cn',
    suffix: 'amazonaws.com.cn',
    regions: ['cn-north-1', 'cn-northwest-1'],
  },
  {
    region: 'us-gov-west-1',
    partition: 'aws-us-gov',
    suffix: 'amazonaws.com',
    regions: ['us-gov-west-1', 'us-gov-east-1'],
  },
] as const)('tooling region $region ($partition)', ({ region, partition, suffix, regions }) => {
  const testApp = buildTestApp(configIn([...regions]), {
    region,
    bootstrap: { toolingAccount: TEST_ENV.account },
  });
  const dev = testApp.template(testApp.environments.dev);
  const byName = projects(dev);

  test('every project runs on EC2 (CodeBuild has no Lambda compute here) and says so in TFPF_COMPUTE', () => {
    // Mutation caught: choosing Lambda compute regardless of region (the stack would fail at deploy).
    for (const [name, p] of Object.entries(byName)) {
      expect({ name, type: p.Environment.Type }).toEqual({ name, type: 'LINUX_CONTAINER' });
      expect(p.Environment.ComputeType).toBe('BUILD_GENERAL1_MEDIUM');
      expect(envVar(p, 'TFPF_COMPUTE')).toBe('ec2');
      expect(p.TimeoutInMinutes).toBe(name === 'apply' ? 120 : name === 'plan' ? 60 : 30);
    }
  });

  test(`AWS_PARTITION is ${partition} in every project`, () => {
    for (const p of Object.values(byName)) expect(envVar(p, 'AWS_PARTITION')).toBe(partition);
  });

  test(`every ARN of every stack is in the ${partition} partition`, () => {
    // Mutation caught: an ARN written as arn:aws:… (invalid outside the aws partition).
    for (const stack of [testApp.tooling, ...Object.values(testApp.environments), ...testApp.bootstraps]) {
      const text = JSON.stringify(testApp.template(stack).toJSON());
      const arns = [...text.matchAll(/arn:([a-z-]+):/g)].map((m) => m[1]);
      expect(new Set(arns)).toEqual(new Set(arns.length === 0 ? [] : [partition]));
    }
    const policies = JSON.stringify(dev.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(`arn:${partition}:iam::111111111111:role/tfpf-dev-plan`);
    expect(policies).toContain(`arn:${partition}:s3:::acme-tfstate-dev`);
  });

  test(`kms:ViaService and the logs service principal use the partition's domain (${suffix})`, () => {
    dev.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'StateKey',
            Condition: Match.objectLike({
              StringEquals: { 'kms:ViaService': [`s3.${region}.${suffix}`, `dynamodb.${region}.${suffix}`] },
            }),
          }),
        ]),
      },
    });
    dev.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: `logs.${region}.${suffix}` } }),
        ]),
      },
    });
  });

  test(`every kms:ViaService of every stack is <service>.${region}.${suffix}`, () => {
    // Mutation caught (it shipped): the tag handler's key statement written as <service>.<region>.amazonaws.com,
    // which never matches in aws-cn, so the handler could not use the ledger, topic or queue there.
    const values = [testApp.tooling, ...Object.values(testApp.environments), ...testApp.bootstraps].flatMap(
      (stack) => viaServices(testApp.template(stack)),
    );
    expect(values.length).toBeGreaterThanOrEqual(6);
    for (const value of values)
      expect(value).toMatch(new RegExp(`^[a-z0-9-]+\\.${region}\\.${suffix.replace(/\./g, '\\.')}$`));
    expect(values).toContain(`dynamodb.${region}.${suffix}`);
  });

  test('the synth output names the compute of each action and the stage budget', () => {
    const infos = Annotations.fromStack(testApp.environments.dev)
      .findInfo('*', Match.anyValue())
      .map((m) => String(m.entry.data));
    expect(infos).toContain(`compute: tflint ec2, checkov ec2, tfsec ec2, plan ec2, apply ec2 (${region})`);
    expect(infos.some((i) => i.startsWith('tfpf-dev: 1 sequential build start before approval'))).toBe(true);
  });

  lintIt('cfn-lint finds no error and no warning in any template', () => {
    const { status, output } = cfnLint(testApp, region);
    expect({ status, output }).toEqual({ status: 0, output: '' });
  });
});

test('drift checks in aws-cn: the drift functions use the key through cn-north-1.amazonaws.com.cn services', () => {
  // Mutation caught (it shipped): the drift functions' key statements hard-coded amazonaws.com.
  const testApp = buildTestApp(
    configIn(['cn-north-1', 'cn-northwest-1'], 'drift: { schedule: rate(1 day) }\n'),
    {
      region: 'cn-north-1',
      bootstrap: { toolingAccount: TEST_ENV.account },
    },
  );
  const values = viaServices(testApp.template(testApp.tooling));
  expect(values).toEqual(
    expect.arrayContaining(['dynamodb.cn-north-1.amazonaws.com.cn', 'sns.cn-north-1.amazonaws.com.cn']),
  );
  for (const value of values) expect(value).toMatch(/^[a-z0-9-]+\.cn-north-1\.amazonaws\.com\.cn$/);
  expect(testApp.template(testApp.tooling).findResources('AWS::StepFunctions::StateMachine')).not.toEqual({});
});

describe('compute settings (factory.yaml compute:)', () => {
  function factoryWith(extra: string): string {
    return [
      'repository: infra',
      'stateBucketPrefix: acme-tfstate',
      'globalRegion: us-east-1',
      'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
      extra,
      '',
    ].join('\n');
  }

  test('compute.plan: lambda where CodeBuild has no Lambda compute is refused, naming the file and field', () => {
    const model = modelWith({ 'factory.yaml': factoryWith('compute: { plan: lambda, scanners: lambda }') });
    const build = (): unknown => buildTestApp(model, { region: 'eu-west-2' });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      /factory\.yaml: compute\.scanners: "lambda" cannot be used: eu-west-2 is not one of the regions[\s\S]*compute\.plan: "lambda" cannot be used/,
    );
  });

  test('in aws-cn and aws-us-gov the refusal names the partition', () => {
    const model = modelWith({ 'factory.yaml': factoryWith('compute: { apply: lambda }') });
    expect(() => buildTestApp(model, { region: 'cn-northwest-1' })).toThrow(
      /compute\.apply: "lambda" cannot be used: CodeBuild offers no Lambda compute in the aws-cn partition/,
    );
    expect(() => buildTestApp(model, { region: 'us-gov-east-1' })).toThrow(/in the aws-us-gov partition/);
  });

  test('compute.plan: ec2 keeps plan on EC2 (60 minutes, no cache) where Lambda compute exists', () => {
    const testApp = buildTestApp(modelWith({ 'factory.yaml': factoryWith('compute: { plan: ec2 }') }));
    const plan = projects(testApp.template(testApp.environments.dev)).plan;
    expect(plan.Environment.Type).toBe('LINUX_CONTAINER');
    expect(plan.TimeoutInMinutes).toBe(60);
    expect(plan.Cache).toEqual({ Type: 'NO_CACHE' });
    expect(envVar(plan, 'TFPF_COMPUTE')).toBe('ec2');
  });

  test('compute.apply: lambda puts apply on 4 GB Lambda compute (no timeout, no cache section)', () => {
    const testApp = buildTestApp(modelWith({ 'factory.yaml': factoryWith('compute: { apply: lambda }') }), {
      region: 'us-east-1',
    });
    const apply = projects(testApp.template(testApp.environments.dev)).apply;
    expect(apply.Environment).toMatchObject({
      Type: 'LINUX_LAMBDA_CONTAINER',
      ComputeType: 'BUILD_LAMBDA_4GB',
    });
    expect(apply.TimeoutInMinutes).toBeUndefined();
    expect(projectBuildSpec(testApp.app, apply.Source.BuildSpec)).not.toHaveProperty('cache');
  });

  test('a scannerCompute override that contradicts compute.scanners is refused, not silently applied', () => {
    const model = modelWith({ 'factory.yaml': factoryWith('compute: { scanners: lambda }') });
    expect(() => buildTestApp(model, { scannerCompute: 'ec2' })).toThrow(
      /compute\.scanners: is "lambda" but the command line asks for "ec2"/,
    );
  });
});
