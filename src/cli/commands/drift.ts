import { CommanderError, type Command } from 'commander';
import { RunSetupError, runDrift, type StateOption } from '../../runner';
import type { Engine } from '../../runner/local-tools';
import { loadConfigOrReport } from '../config-option';
import type { CliIo } from '../output';

/** Exit codes of `tfpf drift`: 2 is drift, so every error (usage, configuration, failed plan) is 1. */
export const DRIFT_EXIT = { none: 0, error: 1, drift: 2 } as const;
/** Code of the commander errors of `tfpf drift`, which exit 1 rather than commander's usual 2. */
export const DRIFT_USAGE_ERROR = 'tfpf.drift.usage';

export interface DriftCommandOptions {
  readonly tag?: string;
  readonly repo?: string;
  readonly config: string;
  readonly dataDir?: string;
  readonly stateDir?: string;
  readonly motoEndpoint?: string;
  readonly engine?: string;
  readonly timeout?: string;
  readonly verbose?: boolean;
}

function optionProblems(opts: DriftCommandOptions): string[] {
  const problems: string[] = [];
  if (opts.tag === undefined || opts.repo === undefined) {
    problems.push('--tag (the last applied release) and --repo are required');
  }
  if (opts.stateDir !== undefined && opts.motoEndpoint !== undefined) {
    problems.push('choose one state backend: --state-dir, --moto-endpoint');
  }
  if (
    opts.motoEndpoint !== undefined &&
    !/^http:\/\/(127\.0\.0\.1|localhost):\d{1,5}$/.test(opts.motoEndpoint)
  ) {
    problems.push('--moto-endpoint must be http://127.0.0.1:<port>');
  }
  if (opts.engine !== undefined && opts.engine !== 'terraform' && opts.engine !== 'opentofu') {
    problems.push('--engine must be terraform or opentofu');
  }
  if (opts.timeout !== undefined && !/^[1-9]\d{0,3}$/.test(opts.timeout)) {
    problems.push('--timeout must be a whole number of minutes (1-9999)');
  }
  return problems;
}

/** `tfpf drift`: exit 0 no drift, 2 drift, 1 any error. */
export async function driftCommand(opts: DriftCommandOptions, io: CliIo): Promise<number> {
  const problems = optionProblems(opts);
  if (problems.length > 0) {
    for (const problem of problems) io.err(`tfpf drift: ${problem}`);
    return DRIFT_EXIT.error;
  }
  const config = loadConfigOrReport(opts.config, io);
  if (config === undefined) return DRIFT_EXIT.error;
  const state: StateOption | undefined =
    opts.motoEndpoint !== undefined
      ? { kind: 'moto-endpoint', endpoint: opts.motoEndpoint }
      : opts.stateDir !== undefined
        ? { kind: 'embedded-moto', stateDir: opts.stateDir }
        : undefined;
  try {
    const result = await runDrift(
      {
        config,
        tag: opts.tag as string,
        repo: opts.repo as string,
        ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
        ...(state !== undefined ? { state } : {}),
        ...(opts.engine !== undefined ? { engine: opts.engine as Engine } : {}),
        ...(opts.timeout !== undefined ? { timeoutMinutes: Number(opts.timeout) } : {}),
        verbose: opts.verbose ?? false,
      },
      io,
    );
    return result.exitCode;
  } catch (error) {
    if (error instanceof RunSetupError) {
      io.err(error.message.startsWith('tfpf') ? error.message : `tfpf drift: ${error.message}`);
      return DRIFT_EXIT.error;
    }
    throw error;
  }
}

/** Registers `tfpf drift` on the program. */
export function registerDriftCommand(
  program: Command,
  io: CliIo,
  result: { code: number | Promise<number> },
  configOption: () => [string, string, string],
): void {
  program
    .command('drift')
    .description(
      'plan the last applied release of a state key locally in drift mode: exit 0 no drift, 2 drift, 1 error; writes <data-dir>/drift/<env>/<scope>/<team>.json',
    )
    .option(
      '--tag <tag>',
      'the release last applied to the state key, <env>_<region|global>/<team>/<version>',
    )
    .option('--repo <dir>', 'infra repository folder at that release')
    .option(...configOption())
    .option('--data-dir <dir>', 'folder of runs/, state/ and drift/ (default: .tfpf)')
    .option('--state-dir <dir>', 'where the embedded moto keeps state (default: <data-dir>/state)')
    .option('--moto-endpoint <url>', 'use a running moto server instead of starting one')
    .option('--engine <engine>', 'terraform or opentofu (default: factory.yaml tools.engine)')
    .option('--timeout <minutes>', 'timeout of the plan (default: 30)')
    .option('--verbose', "stream the plan's output")
    .exitOverride((error) => {
      if (error.exitCode === 0) throw error;
      throw new CommanderError(DRIFT_EXIT.error, DRIFT_USAGE_ERROR, error.message);
    })
    .action((opts: DriftCommandOptions) => {
      result.code = driftCommand(opts, io);
    });
}
