import { ConfigError } from '../../config';
import { GLOBAL_SCOPE, pipelineName, stateBucketName, stateKey } from '../../naming';
import { factoryFileOf, resolveCompute, type ResolvedCompute } from '../../pipeline/compute';
import { peakText, stageBudget } from '../../pipeline/stage-budget';
import { EXIT_CONFIG, loadConfigOrReport } from '../config-option';
import { renderTable, type CliIo } from '../output';

/** The tooling region `cdk deploy` would use when `--region` is not given. */
export function defaultToolingRegion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.CDK_DEFAULT_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
}

/**
 * `tfpf summary`: one row per environment and team (regions, account, pipeline, bucket, example state key), then
 * one row per pipeline with the compute of each action for the tooling region and the stage budget: how many
 * build starts follow each other before the approval, how many of them start EC2 builds, and how many builds one
 * release runs at once.
 */
export function summaryCommand(configDir: string, io: CliIo, region = defaultToolingRegion()): number {
  const config = loadConfigOrReport(configDir, io);
  if (config === undefined) return EXIT_CONFIG;
  let compute: ResolvedCompute;
  try {
    compute = resolveCompute(config.factory.compute, region, factoryFileOf(config));
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`tfpf: ${error.message}`);
      return EXIT_CONFIG;
    }
    throw error;
  }
  const { factory } = config;
  const rows: string[][] = [];
  for (const env of config.environments) {
    for (const [team, { account }] of Object.entries(env.teams).sort(([a], [b]) => a.localeCompare(b))) {
      rows.push([
        env.environment,
        env.regions.join(','),
        team,
        account,
        pipelineName(factory.pipelineNamePrefix, env.environment),
        stateBucketName(factory.stateBucketPrefix, env.environment),
        stateKey(team, env.environment, env.regions[0] ?? GLOBAL_SCOPE),
        env.approval.required ? 'required' : 'none',
      ]);
    }
  }
  io.out(
    renderTable(
      [
        'ENVIRONMENT',
        'REGIONS (+global)',
        'TEAM',
        'ACCOUNT',
        'PIPELINE',
        'STATE BUCKET',
        'EXAMPLE STATE KEY',
        'APPROVAL',
      ],
      rows,
    ),
  );
  const budgetRows = config.environments.map((env) => {
    const name = pipelineName(factory.pipelineNamePrefix, env.environment);
    const budget = stageBudget(name, env.approval.required, compute);
    return [
      name,
      compute.tflint.kind,
      compute.plan.kind,
      compute.apply.kind,
      `${budget.steps.length} (${budget.ec2StepsBeforeApproval} on EC2)`,
      budget.approval ? 'approval' : 'apply',
      `${budget.peakBuilds.total} (${peakText(budget)})`,
    ];
  });
  io.out(
    `\nCompute and stage budget for tooling region ${region ?? 'unknown (pass --region or set AWS_REGION; defaults are EC2)'}:\n` +
      renderTable(
        ['PIPELINE', 'SCANNERS', 'PLAN', 'APPLY', 'SEQUENTIAL BUILD STARTS', 'BEFORE', 'BUILDS AT ONCE'],
        budgetRows,
      ),
  );
  const first = config.environments[0];
  const exampleTag = `${first?.environment ?? 'dev'}_${first?.regions[0] ?? 'us-east-1'}/${
    Object.keys(first?.teams ?? {})[0] ?? 'team'
  }/1.0.0`;
  const engineVersion =
    factory.tools.engine === 'opentofu' ? factory.tools.opentofu : factory.tools.terraform;
  io.out(
    `\n${config.environments.length} pipelines; global releases run in ${factory.globalRegion}; ` +
      `engine ${factory.tools.engine} ${engineVersion}; ` +
      // Push the one tag: `git push --tags` would also push every stale local tag, each a release.
      `release with: git tag ${exampleTag} && git push origin ${exampleTag}`,
  );
  return 0;
}
