import { CommanderError, type Command } from 'commander';
import { runDrift } from '../../runner';
import { loadConfigOrReport } from '../config-option';
import {
  chosenBackends,
  localRunOptionProblems,
  localRunSettings,
  localStateOption,
  reportSetupErrors,
  type LocalRunOptions,
} from '../local-run-options';
import type { CliIo } from '../output';

/** Exit codes of `tfpf drift`: 2 is drift, so every error (usage, configuration, failed plan) is 1. */
export const DRIFT_EXIT = { none: 0, error: 1, drift: 2 } as const;
/** Code of the commander errors of `tfpf drift`, which exit 1 rather than commander's usual 2. */
export const DRIFT_USAGE_ERROR = 'tfpf.drift.usage';

export interface DriftCommandOptions extends LocalRunOptions {
  readonly tag?: string;
  readonly repo?: string;
  readonly config: string;
}

function optionProblems(opts: DriftCommandOptions): string[] {
  const problems: string[] = [];
  if (opts.tag === undefined || opts.repo === undefined) {
    problems.push('--tag (the last applied release) and --repo are required');
  }
  return [...problems, ...localRunOptionProblems(opts, chosenBackends(opts))];
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
  return reportSetupErrors(
    'drift',
    io,
    () => DRIFT_EXIT.error,
    async () => {
      const result = await runDrift(
        {
          config,
          tag: opts.tag as string,
          repo: opts.repo as string,
          ...localRunSettings(opts, localStateOption(opts)),
        },
        io,
      );
      return result.exitCode;
    },
  );
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
