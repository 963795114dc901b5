import type { Command } from 'commander';
import { isAwsRegion, type FactoryModel } from '../../config';
import { runRelease, type StateOption } from '../../runner';
import { EXIT_CONFIG, loadConfigOrReport } from '../config-option';
import {
  chosenBackends,
  localRunOptionProblems,
  localRunSettings,
  localStateOption,
  reportSetupErrors,
  type LocalRunOptions,
} from '../local-run-options';
import type { CliIo } from '../output';

export interface RunCommandOptions extends LocalRunOptions {
  readonly tag?: string;
  readonly repo?: string;
  readonly config: string;
  readonly approve?: boolean;
  readonly resume?: string;
  readonly stateBucket?: string;
  readonly stateRegion?: string;
  readonly lockTable?: string;
  readonly keepWorkdirs?: boolean;
  readonly sequential?: boolean;
  readonly skipPromotionCheck?: boolean;
}

/** Checks option combinations; returns the problems (empty when usable). */
function optionProblems(opts: RunCommandOptions): string[] {
  const problems: string[] = [];
  if (opts.resume === undefined && (opts.tag === undefined || opts.repo === undefined)) {
    problems.push('--tag and --repo are required (or --resume <run-id> to apply an earlier run)');
  }
  if (opts.resume !== undefined && (opts.tag !== undefined || opts.repo !== undefined)) {
    problems.push('--resume takes the tag and repository from the earlier run: drop --tag/--repo');
  }
  if (opts.lockTable !== undefined && opts.stateBucket === undefined)
    problems.push('--lock-table goes with --state-bucket');
  if (opts.stateRegion !== undefined && !isAwsRegion(opts.stateRegion)) {
    problems.push(`--state-region ${JSON.stringify(opts.stateRegion)} is not an AWS region`);
  }
  return [...problems, ...localRunOptionProblems(opts, chosenBackends(opts))];
}

/** `tfpf run`: the pipeline's stages, locally, with the real tools. Exit 0 ok, 1 a stage failed, 2 bad input. */
export async function runCommand(opts: RunCommandOptions, io: CliIo): Promise<number> {
  const problems = optionProblems(opts);
  if (problems.length > 0) {
    for (const problem of problems) io.err(`tfpf run: ${problem}`);
    return EXIT_CONFIG;
  }
  let config: FactoryModel | undefined;
  if (opts.resume === undefined) {
    config = loadConfigOrReport(opts.config, io);
    if (config === undefined) return EXIT_CONFIG;
  }
  const state: StateOption | undefined =
    opts.stateBucket !== undefined
      ? { kind: 's3', bucket: opts.stateBucket, ...(opts.lockTable ? { lockTable: opts.lockTable } : {}) }
      : localStateOption(opts);
  return reportSetupErrors(
    'run',
    io,
    (error) => error.exitCode,
    async () => {
      const result = await runRelease(
        {
          ...(config !== undefined ? { config } : {}),
          ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
          ...(opts.repo !== undefined ? { repo: opts.repo } : {}),
          ...(opts.resume !== undefined ? { resume: opts.resume } : {}),
          approve: opts.approve ?? false,
          ...localRunSettings(opts, state),
          ...(opts.stateRegion !== undefined ? { stateRegion: opts.stateRegion } : {}),
          keepWorkdirs: opts.keepWorkdirs ?? false,
          sequential: opts.sequential ?? false,
          skipPromotionCheck: opts.skipPromotionCheck ?? false,
        },
        io,
      );
      return result.exitCode;
    },
  );
}

/** Registers `tfpf run` on the program. */
export function registerRunCommand(
  program: Command,
  io: CliIo,
  result: { code: number | Promise<number> },
  configOption: () => [string, string, string],
): void {
  program
    .command('run')
    .description(
      "run a release's pipeline stages locally with the real tools: tflint ‖ checkov ‖ tfsec ‖ plan, then apply only with --approve",
    )
    .option('--tag <tag>', 'release tag, <env>_<region|global>/<team>/<version>')
    .option('--repo <dir>', 'infra repository folder (regional/, global/, vars/)')
    .option(...configOption())
    .option('--approve', 'approve: apply the saved plan when the checks pass')
    .option('--resume <run-id>', 'apply the plan of an earlier run (with --approve)')
    .option('--data-dir <dir>', 'folder of runs/ and state/ (default: .tfpf)')
    .option(
      '--state-dir <dir>',
      'where the embedded moto keeps state between runs (default: <data-dir>/state)',
    )
    .option('--moto-endpoint <url>', 'use a running moto server instead of starting one')
    .option('--state-bucket <name>', 'real S3 state bucket (AWS credentials from the environment)')
    .option('--state-region <region>', 'region of the state bucket (default: factory globalRegion)')
    .option(
      '--lock-table <name>',
      'DynamoDB lock table with --state-bucket when the engine has no S3 lockfile',
    )
    .option('--engine <engine>', 'terraform or opentofu (default: factory.yaml tools.engine)')
    .option('--timeout <minutes>', 'timeout of each action (default: 30)')
    .option('--verbose', "stream every action's output")
    .option('--keep-workdirs', "keep each action's working copy under the run folder")
    .option('--sequential', 'run the four checks one after another instead of in parallel')
    .option(
      '--skip-promotion-check',
      'run a release of an environment with promotion.from although its commit was not applied there locally (local only)',
    )
    .action((opts: RunCommandOptions) => {
      result.code = runCommand(opts, io);
    });
}
