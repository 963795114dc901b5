import { CliCredentialsStackSynthesizer, type App, type Environment } from 'aws-cdk-lib';
import type { FactoryModel } from '../config/model';
import type { ScannerCompute } from '../pipeline/terraform-projects';
import { environmentAccounts } from '../pipeline/terraform-projects';
import { enableNag } from './nag';
import { stackNames } from './stack-names';

export { stackNames } from './stack-names';
import { EnvironmentPipelineStack } from './environment-pipeline-stack';
import { ToolingStack } from './tooling-stack';
import { WorkloadBootstrapStack, type WorkloadBootstrapStackProps } from './workload-bootstrap-stack';

const S3_LOGS_BY_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** Options of the workload bootstrap stacks (emitted only when given). */
export interface BootstrapOptions {
  /** Account of the tooling stacks, trusted by the workload roles. */
  readonly toolingAccount: string;
  readonly applyPolicyArns?: WorkloadBootstrapStackProps['applyPolicyArns'];
  readonly planPolicyArns?: WorkloadBootstrapStackProps['planPolicyArns'];
  readonly permissionsBoundaryArn?: string;
}

export interface FactoryAppOptions {
  /** Account/region of the tooling and pipeline stacks. Default: environment-agnostic (from the CLI profile). */
  readonly env?: Environment;
  /** Also emit one `WorkloadBootstrapStack` per (environment, workload account). Default: not emitted. */
  readonly bootstrap?: BootstrapOptions;
  /** Run cdk-nag AwsSolutions over the app. Default: false (`-c nag=true`; CI runs it). */
  readonly nag?: boolean;
  readonly buildSpecDir?: string;
  readonly scannerCompute?: ScannerCompute;
}

export interface FactoryStacks {
  readonly tooling: ToolingStack;
  /** Pipeline stack per environment name. */
  readonly environments: Readonly<Record<string, EnvironmentPipelineStack>>;
  readonly bootstraps: readonly WorkloadBootstrapStack[];
}

/** Adds every stack of the factory for a validated configuration to `app`. */
export function addFactoryStacks(
  app: App,
  config: FactoryModel,
  options: FactoryAppOptions = {},
): FactoryStacks {
  // The state buckets log into a bucket with object ownership "bucket owner enforced", which needs log delivery
  // by bucket policy (not ACL): required whether or not cdk.json sets the flag.
  if (app.node.tryGetContext(S3_LOGS_BY_POLICY) === undefined) app.node.setContext(S3_LOGS_BY_POLICY, true);
  const names = stackNames(config.factory.pipelineNamePrefix);
  const tooling = new ToolingStack(app, names.tooling, { config, env: options.env });
  const environments: Record<string, EnvironmentPipelineStack> = {};
  for (const environment of config.environments) {
    const stack = new EnvironmentPipelineStack(app, names.pipeline(environment.environment), {
      config,
      environment,
      env: options.env,
      buildSpecDir: options.buildSpecDir,
      scannerCompute: options.scannerCompute,
    });
    // No cross-stack references: the order (state and repository first) is declared instead.
    stack.addStackDependency(tooling, 'state buckets and repository are created by the tooling stack');
    environments[environment.environment] = stack;
  }

  const bootstraps: WorkloadBootstrapStack[] = [];
  if (options.bootstrap !== undefined) {
    const { toolingAccount, ...roleOptions } = options.bootstrap;
    for (const environment of config.environments) {
      for (const account of environmentAccounts(environment)) {
        bootstraps.push(
          new WorkloadBootstrapStack(app, names.bootstrap(environment.environment, account), {
            environment: environment.environment,
            toolingAccount,
            ...roleOptions,
            env: { account, region: config.factory.globalRegion },
            // Deployed with the workload account's own CLI credentials: no `cdk bootstrap` needed there.
            synthesizer: new CliCredentialsStackSynthesizer(),
          }),
        );
      }
    }
  }

  if (options.nag === true) enableNag(app);
  return { tooling, environments, bootstraps };
}
