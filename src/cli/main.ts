import { Command, CommanderError } from 'commander';
import { checkRuleCommand } from './commands/check-rule';
import { registerDoctorCommand } from './commands/doctor';
import { DRIFT_USAGE_ERROR, registerDriftCommand } from './commands/drift';
import { registerRunCommand } from './commands/run';
import { registerStatusCommand } from './commands/status';
import { defaultToolingRegion, summaryCommand } from './commands/summary';
import { tagCommand } from './commands/tag';
import { registerToolsCommand } from './commands/tools';
import { validateCommand } from './commands/validate';
import { defaultConfigDir } from './config-option';
import { processIo, type CliIo } from './output';

/**
 * Builds the `tfpf` command line. Each action stores its exit code in `result.code`; commands that run
 * asynchronously (the local runner) return a promise.
 */
export function buildProgram(io: CliIo, result: { code: number | Promise<number> }): Command {
  const program = new Command('tfpf')
    .description(
      'Terraform Pipeline Factory: validate the configuration, explain release tags, run stages locally',
    )
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  const configOption = (): [string, string, string] => [
    '--config <dir>',
    'configuration folder (factory.yaml + <env>.yaml files)',
    defaultConfigDir(),
  ];

  program
    .command('validate')
    .description('validate the configuration; exit 0 when valid, else 1 listing every problem')
    .option(...configOption())
    .action((opts: { config: string }) => {
      result.code = validateCommand(opts.config, io);
    });

  program
    .command('tag')
    .description(
      'explain a release tag: print its resolved release as JSON (exit 0), or why it is rejected (exit 1)',
    )
    .argument('<tag>', 'release tag, <env>_<region|global>/<team>/<version>')
    .option(...configOption())
    .action((tag: string, opts: { config: string }) => {
      result.code = tagCommand(tag, opts.config, io);
    });

  program
    .command('summary')
    .description(
      'print environments, teams, accounts, pipelines, example state keys, and the compute and stage budget per pipeline',
    )
    .option(...configOption())
    .option(
      '--region <region>',
      'tooling region deciding Lambda or EC2 compute (default: CDK_DEFAULT_REGION, AWS_REGION, AWS_DEFAULT_REGION)',
    )
    .action((opts: { config: string; region?: string }) => {
      result.code = summaryCommand(opts.config, io, opts.region ?? defaultToolingRegion());
    });

  registerRunCommand(program, io, result, configOption);
  registerStatusCommand(program, io, result, configOption);
  registerDriftCommand(program, io, result, configOption);
  registerToolsCommand(program, io, result, configOption);
  registerDoctorCommand(program, io, result, configOption);

  program
    .command('check-rule')
    .description(
      'run the rules/ patterns through EventBridge TestEventPattern for an event; print which rules match',
    )
    .option('--event <file>', 'EventBridge event JSON file (default: a built-in sample tag event)')
    .option(
      '--endpoint <url>',
      'EventBridge endpoint, e.g. an emulator (default: AWS, with your credentials)',
    )
    .option(
      '--region <region>',
      'region of the EventBridge client (default: AWS_REGION, else the event region)',
    )
    .option(...configOption())
    .action((opts: { config: string; event?: string; endpoint?: string; region?: string }) => {
      result.code = checkRuleCommand(opts, io);
    });

  return program;
}

/** Runs the CLI with `argv` (as process.argv) and resolves to the process exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const result: { code: number | Promise<number> } = { code: 0 };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 2 (commander already printed the message), except for
      // `tfpf drift`, whose 2 means drift.
      if (error.code === DRIFT_USAGE_ERROR) return 1;
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return await result.code;
}
