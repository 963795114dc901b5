import { GLOBAL_SCOPE, pipelineName, stateBucketName, stateKey } from '../../naming';
import { EXIT_CONFIG, loadConfigOrReport } from '../config-option';
import { renderTable, type CliIo } from '../output';

/** `tfpf summary`: one row per environment and team: regions, account, pipeline, bucket, example state key. */
export function summaryCommand(configDir: string, io: CliIo): number {
  const config = loadConfigOrReport(configDir, io);
  if (config === undefined) return EXIT_CONFIG;
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
