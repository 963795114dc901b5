import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { isAwsRegion } from '../../config';
import { DeploymentStore } from '../../deployment/deployment-store';
import type { DeploymentRecord, DriftRecord } from '../../deployment/deployment-record';
import { releaseLedgerTableName } from '../../naming';
import { localDeployments, localDrifts } from '../../runner/local-deployments';
import { STATUS_HEADER, statusCells, statusRows } from '../../status/status-rows';
import { EXIT_CONFIG, loadConfigOrReport } from '../config-option';
import { renderTable, type CliIo } from '../output';

export interface StatusCommandOptions {
  readonly config: string;
  readonly env?: string;
  readonly team?: string;
  readonly json?: boolean;
  readonly local?: boolean;
  readonly dataDir?: string;
  readonly table?: string;
  readonly endpoint?: string;
  readonly region?: string;
}

/** Checks option combinations; returns the problems (empty when usable). */
function optionProblems(opts: StatusCommandOptions): string[] {
  const problems: string[] = [];
  if (
    opts.local === true &&
    (opts.table !== undefined || opts.endpoint !== undefined || opts.region !== undefined)
  ) {
    problems.push("--local reads the local runner's records: drop --table/--endpoint/--region");
  }
  if (opts.local !== true && opts.dataDir !== undefined) problems.push('--data-dir goes with --local');
  if (opts.endpoint !== undefined && !/^https?:\/\/[^\s/]+(?::\d{1,5})?\/?$/.test(opts.endpoint)) {
    problems.push(`--endpoint ${JSON.stringify(opts.endpoint)} is not an http(s)://host[:port] URL`);
  }
  if (opts.region !== undefined && !isAwsRegion(opts.region)) {
    problems.push(`--region ${JSON.stringify(opts.region)} is not an AWS region`);
  }
  return problems;
}

/** The ledger's region: --region, else AWS_REGION / AWS_DEFAULT_REGION, else the factory's global region. */
function ledgerRegion(opts: StatusCommandOptions, fallback: string): string {
  return opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? fallback;
}

/**
 * `tfpf status`: one table of what runs where (environment × scope × team). Exit 0, 1 when the records cannot be
 * read, 2 for bad options or configuration.
 */
export async function statusCommand(opts: StatusCommandOptions, io: CliIo): Promise<number> {
  const problems = optionProblems(opts);
  const config = loadConfigOrReport(opts.config, io);
  if (config === undefined) return EXIT_CONFIG;
  const environments = config.environments.map((e) => e.environment);
  if (opts.env !== undefined && !environments.includes(opts.env)) {
    problems.push(
      `--env ${JSON.stringify(opts.env)} is not a configured environment (${environments.join(', ')})`,
    );
  }
  const teams = [...new Set(config.environments.flatMap((e) => Object.keys(e.teams)))].sort();
  if (opts.team !== undefined && !teams.includes(opts.team)) {
    problems.push(`--team ${JSON.stringify(opts.team)} is not a configured team (${teams.join(', ')})`);
  }
  if (problems.length > 0) {
    for (const problem of problems) io.err(`tfpf status: ${problem}`);
    return EXIT_CONFIG;
  }

  let records: { deployments: DeploymentRecord[]; drifts: DriftRecord[] };
  let source: string;
  if (opts.local === true) {
    const dataDir = path.resolve(opts.dataDir ?? '.tfpf');
    records = { deployments: localDeployments(dataDir), drifts: localDrifts(dataDir) };
    source = `local runs in ${opts.dataDir ?? '.tfpf'}`;
  } else {
    const table = opts.table ?? releaseLedgerTableName(config.factory.pipelineNamePrefix);
    const region = ledgerRegion(opts, config.factory.globalRegion);
    const client = new DynamoDBClient({
      region,
      ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    });
    try {
      records = await new DeploymentStore(client, table).scanRecords();
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      io.err(
        `tfpf status: cannot read the ledger table ${table} in ${region}: ${name}: ${(error as Error).message}`,
      );
      return 1;
    } finally {
      client.destroy();
    }
    source = `ledger ${table} (${region})`;
  }
  const rows = statusRows(records.deployments, records.drifts, {
    ...(opts.env !== undefined ? { environment: opts.env } : {}),
    ...(opts.team !== undefined ? { team: opts.team } : {}),
  });
  if (opts.json === true) {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  if (rows.length === 0) {
    io.out(`nothing recorded yet (${source})`);
    return 0;
  }
  io.out(renderTable(STATUS_HEADER, rows.map(statusCells)));
  return 0;
}

/** Registers `tfpf status` on the program. */
export function registerStatusCommand(
  program: Command,
  io: CliIo,
  result: { code: number | Promise<number> },
  configOption: () => [string, string, string],
): void {
  program
    .command('status')
    .description(
      'what runs where: environment × scope × team → version, commit, state, when, who tagged it, drift',
    )
    .option(...configOption())
    .option('--env <environment>', 'only this environment')
    .option('--team <team>', 'only this team')
    .option('--json', 'print the rows as JSON')
    .option('--local', "read the local runner's records (tfpf run) instead of the ledger")
    .option('--data-dir <dir>', 'with --local: folder of runs/ and drift/ (default: .tfpf)')
    .option('--table <name>', 'ledger table (default: <pipelineNamePrefix>-release-ledger)')
    .option('--endpoint <url>', 'DynamoDB endpoint, e.g. an emulator (default: AWS, or AWS_ENDPOINT_URL)')
    .option('--region <region>', 'region of the ledger (default: AWS_REGION, else factory globalRegion)')
    .action((opts: StatusCommandOptions) => {
      result.code = statusCommand(opts, io);
    });
}
