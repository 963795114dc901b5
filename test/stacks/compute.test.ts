import { ConfigError } from '../../src/config';
import { describeCompute, resolveCompute, withComputeOverrides } from '../../src/pipeline/compute';
import {
  LAMBDA_COMPUTE_REGIONS,
  lambdaComputeAvailable,
  partitionOfRegion,
} from '../../src/pipeline/lambda-compute-regions';
import { describeStageBudget, stageBudget } from '../../src/pipeline/stage-budget';
import { modelWith } from '../support/config-files';
import { buildTestApp } from '../support/test-app';

describe('Lambda compute regions', () => {
  test('the ten regions of the CodeBuild user guide, none in aws-cn or aws-us-gov', () => {
    expect(LAMBDA_COMPUTE_REGIONS).toHaveLength(10);
    for (const region of LAMBDA_COMPUTE_REGIONS) expect(partitionOfRegion(region)).toBe('aws');
    expect(lambdaComputeAvailable('eu-west-1')).toBe(true);
    for (const region of ['eu-west-2', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'us-gov-east-1']) {
      expect({ region, available: lambdaComputeAvailable(region) }).toEqual({ region, available: false });
    }
  });

  test('partitions from region codes', () => {
    expect(partitionOfRegion('cn-northwest-1')).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-east-1')).toBe('aws-us-gov');
    expect(partitionOfRegion('us-east-1')).toBe('aws');
  });
});

describe('resolveCompute', () => {
  test('defaults: scanners and plan on Lambda compute where it exists, apply on EC2', () => {
    expect(describeCompute(resolveCompute({}, 'us-east-1'))).toBe(
      'tflint lambda, checkov lambda, tfsec lambda, plan lambda, apply ec2',
    );
    const c = resolveCompute({}, 'us-east-1');
    expect([c.tflint.size, c.checkov.size, c.plan.size, c.apply.size]).toEqual([
      'lambda-2gb',
      'lambda-4gb',
      'lambda-4gb',
      'ec2',
    ]);
    expect(c.plan.origin).toBe('default');
  });

  test('defaults elsewhere, and when the region is unknown at synth: EC2 for every action', () => {
    for (const region of ['eu-west-2', 'cn-north-1', 'us-gov-west-1', undefined]) {
      expect(describeCompute(resolveCompute({}, region))).toBe(
        'tflint ec2, checkov ec2, tfsec ec2, plan ec2, apply ec2',
      );
    }
  });

  test('explicit settings win over defaults; explicit lambda is kept for an unknown region', () => {
    const c = resolveCompute({ scanners: 'ec2', plan: 'ec2', apply: 'lambda' }, 'us-east-1');
    expect(describeCompute(c)).toBe('tflint ec2, checkov ec2, tfsec ec2, plan ec2, apply lambda');
    expect(c.apply).toEqual({ kind: 'lambda', size: 'lambda-4gb', origin: 'configured' });
    expect(resolveCompute({ plan: 'lambda' }, undefined).plan.kind).toBe('lambda');
  });

  test('every explicit lambda where CodeBuild has none is reported together', () => {
    let error: unknown;
    try {
      resolveCompute(
        { scanners: 'lambda', plan: 'lambda', apply: 'ec2' },
        'us-gov-west-1',
        'pipelines/factory.yaml',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => `${p.file}: ${p.field}`)).toEqual([
      'pipelines/factory.yaml: compute.scanners',
      'pipelines/factory.yaml: compute.plan',
    ]);
  });

  test('a command-line override agreeing with factory.yaml, or filling a gap, is accepted', () => {
    const model = modelWith();
    expect(withComputeOverrides(model, { scanners: 'ec2' })).toEqual({ scanners: 'ec2' });
    expect(withComputeOverrides(model, {})).toEqual({});
  });
});

describe('stage budget', () => {
  test('Lambda region: one sequential start before approval, none on EC2; 4 builds at once', () => {
    const budget = stageBudget('tfpf-dev', true, resolveCompute({}, 'eu-central-1'));
    expect(budget.steps.map((s) => s.map((a) => a.action))).toEqual([['tflint', 'checkov', 'tfsec', 'plan']]);
    expect(budget.ec2StepsBeforeApproval).toBe(0);
    expect(budget.peakBuilds).toEqual({ total: 4, lambda: 4, ec2: 1 });
    expect(budget.peakBySize).toEqual({ 'lambda-2gb': 2, 'lambda-4gb': 2, ec2: 1 });
    expect(describeStageBudget(budget)).toBe(
      'tfpf-dev: 1 sequential build start before approval (tflint lambda ‖ checkov lambda ‖ tfsec lambda ‖ plan lambda), 0 of them on EC2; then apply on ec2; at most 4 builds at once per release (Lambda up to 4, EC2 up to 1)',
    );
  });

  test('EC2 region without approval: the one start is on EC2, before apply', () => {
    const budget = stageBudget('tfpf-dev', false, resolveCompute({}, 'eu-west-2'));
    expect(budget.ec2StepsBeforeApproval).toBe(1);
    expect(budget.peakBySize).toEqual({ 'lambda-2gb': 0, 'lambda-4gb': 0, ec2: 4 });
    expect(describeStageBudget(budget)).toMatch(
      /^tfpf-dev: 1 sequential build start before apply \(no approval\)/,
    );
  });

  test('the budget counts what the synthesized pipeline does (distinct run orders of Checks)', () => {
    // Mutation caught: a pipeline whose Checks actions no longer match the layout the budget is computed from.
    const testApp = buildTestApp(modelWith());
    const stages = (
      Object.values(
        testApp.template(testApp.environments.dev).findResources('AWS::CodePipeline::Pipeline'),
      )[0].Properties as { Stages: { Name: string; Actions: { Name: string; RunOrder: number }[] }[] }
    ).Stages;
    const checks = stages.find((s) => s.Name === 'Checks')?.Actions ?? [];
    const budget = stageBudget('tfpf-dev', true, testApp.environments.dev.projects.compute);
    expect(new Set(checks.map((a) => a.RunOrder)).size).toBe(budget.steps.length);
    expect(checks.map((a) => a.Name).sort()).toEqual(
      budget.steps
        .flat()
        .map((s) => s.action)
        .sort(),
    );
  });
});
