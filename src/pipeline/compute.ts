import * as path from 'node:path';
import { ConfigError, type ConfigProblem } from '../config/config-error';
import type { FactoryModel } from '../config/model';
import type { ComputeConfig, ComputeKind } from '../config/schema';
import { BUILDSPEC_NAMES, type BuildSpecName } from './buildspec-loader';
import { lambdaComputeAvailable, lambdaComputeUnavailableReason } from './lambda-compute-regions';

/** A CodeBuild environment size: Lambda compute with 2 or 4 GB, or EC2 compute (`BUILD_GENERAL1_MEDIUM`). */
export type ProjectCompute = 'lambda-2gb' | 'lambda-4gb' | 'ec2';

/** The compute one action's project runs on, and how it was chosen. */
export interface ActionCompute {
  readonly kind: ComputeKind;
  readonly size: ProjectCompute;
  /** `configured`: from `compute.*` in factory.yaml (or the `scannerCompute` context); `default`: chosen here. */
  readonly origin: 'configured' | 'default';
}

export type ResolvedCompute = Readonly<Record<BuildSpecName, ActionCompute>>;

/** Memory on Lambda compute: checkov and Terraform (providers) need 4 GB, tflint and tfsec fit in 2 GB. */
const LAMBDA_SIZE: Record<BuildSpecName, 'lambda-2gb' | 'lambda-4gb'> = {
  tflint: 'lambda-2gb',
  tfsec: 'lambda-2gb',
  checkov: 'lambda-4gb',
  plan: 'lambda-4gb',
  apply: 'lambda-4gb',
};

/** Which `compute.*` key sets an action's compute. */
const SETTING: Record<BuildSpecName, keyof ComputeConfig> = {
  tflint: 'scanners',
  checkov: 'scanners',
  tfsec: 'scanners',
  plan: 'plan',
  apply: 'apply',
};

/**
 * Default per setting when factory.yaml leaves it out: scanners and plan on Lambda compute where CodeBuild offers
 * it (a build starts in seconds instead of minutes), else EC2; apply on EC2 (no 15-minute cap on long applies).
 * When the region is unknown at synth (an environment-agnostic stack), EC2: it deploys everywhere.
 */
function defaultKind(setting: keyof ComputeConfig, region: string | undefined): ComputeKind {
  if (setting === 'apply') return 'ec2';
  return region !== undefined && lambdaComputeAvailable(region) ? 'lambda' : 'ec2';
}

/**
 * The compute of every action for a tooling region (`undefined` when unknown at synth). An explicit `lambda` where
 * CodeBuild offers no Lambda compute is refused with every such setting named (the stack would fail at deploy).
 */
export function resolveCompute(
  compute: ComputeConfig,
  region: string | undefined,
  factoryFile = 'factory.yaml',
): ResolvedCompute {
  const problems: ConfigProblem[] = [];
  for (const setting of Object.keys(compute) as (keyof ComputeConfig)[]) {
    if (compute[setting] === 'lambda' && region !== undefined && !lambdaComputeAvailable(region)) {
      problems.push({
        file: factoryFile,
        field: `compute.${setting}`,
        message: `"lambda" cannot be used: ${lambdaComputeUnavailableReason(region)}; use "ec2" or leave the key out`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const out = {} as Record<BuildSpecName, ActionCompute>;
  for (const name of BUILDSPEC_NAMES) {
    const configured = compute[SETTING[name]];
    const kind = configured ?? defaultKind(SETTING[name], region);
    out[name] = {
      kind,
      size: kind === 'lambda' ? LAMBDA_SIZE[name] : 'ec2',
      origin: configured === undefined ? 'default' : 'configured',
    };
  }
  return out;
}

/**
 * `compute` of factory.yaml with command-line overrides (the `scannerCompute` context). An override that
 * contradicts factory.yaml is refused rather than silently winning.
 */
export function withComputeOverrides(config: FactoryModel, overrides: Partial<ComputeConfig>): ComputeConfig {
  const merged: ComputeConfig = { ...config.factory.compute };
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(overrides) as [keyof ComputeConfig, ComputeKind | undefined][]) {
    if (value === undefined) continue;
    const current = merged[key];
    if (current !== undefined && current !== value) {
      problems.push({
        file: factoryFileOf(config),
        field: `compute.${key}`,
        message: `is "${current}" but the command line asks for "${value}": change one of them`,
      });
    }
    merged[key] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return merged;
}

/** factory.yaml of a configuration, as shown to users. */
export function factoryFileOf(config: FactoryModel): string {
  const first = config.environments[0];
  return first === undefined ? 'factory.yaml' : path.join(path.dirname(first.file), 'factory.yaml');
}

/** `lambda` or `ec2` per action, e.g. for the synth output: `tflint lambda, …, apply ec2`. */
export function describeCompute(compute: ResolvedCompute): string {
  return BUILDSPEC_NAMES.map((name) => `${name} ${compute[name].kind}`).join(', ');
}
