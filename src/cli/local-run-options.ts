import { RunSetupError, type LocalRunSettings, type StateOption } from '../runner';
import type { Engine } from '../runner/local-tools';
import type { CliIo } from './output';

/** The options `tfpf run` and `tfpf drift` share: where state lives, which engine, how long, how loud. */
export interface LocalRunOptions {
  readonly dataDir?: string;
  readonly stateDir?: string;
  readonly motoEndpoint?: string;
  readonly engine?: string;
  readonly timeout?: string;
  readonly verbose?: boolean;
}

/** A moto server the local runner may use: plain HTTP on the loopback interface only. */
const MOTO_ENDPOINT_PATTERN = /^http:\/\/(127\.0\.0\.1|localhost):\d{1,5}$/;
const TIMEOUT_MINUTES_PATTERN = /^[1-9]\d{0,3}$/;

/** Problems of the shared options (empty when usable); `backends` are the state options given, by flag. */
export function localRunOptionProblems(opts: LocalRunOptions, backends: readonly string[]): string[] {
  const problems: string[] = [];
  if (backends.length > 1) problems.push(`choose one state backend: ${backends.join(', ')}`);
  if (opts.motoEndpoint !== undefined && !MOTO_ENDPOINT_PATTERN.test(opts.motoEndpoint)) {
    problems.push('--moto-endpoint must be http://127.0.0.1:<port>');
  }
  if (opts.engine !== undefined && opts.engine !== 'terraform' && opts.engine !== 'opentofu') {
    problems.push('--engine must be terraform or opentofu');
  }
  if (opts.timeout !== undefined && !TIMEOUT_MINUTES_PATTERN.test(opts.timeout)) {
    problems.push('--timeout must be a whole number of minutes (1-9999)');
  }
  return problems;
}

/** The flags of the state options given, in the order they are listed in the help. */
export function chosenBackends(opts: LocalRunOptions & { readonly stateBucket?: string }): string[] {
  return [
    opts.stateDir !== undefined ? '--state-dir' : undefined,
    opts.motoEndpoint !== undefined ? '--moto-endpoint' : undefined,
    opts.stateBucket !== undefined ? '--state-bucket' : undefined,
  ].filter((flag): flag is string => flag !== undefined);
}

/** The local state backend the options choose: a running moto, an embedded one in a folder, or the default. */
export function localStateOption(opts: LocalRunOptions): StateOption | undefined {
  if (opts.motoEndpoint !== undefined) return { kind: 'moto-endpoint', endpoint: opts.motoEndpoint };
  if (opts.stateDir !== undefined) return { kind: 'embedded-moto', stateDir: opts.stateDir };
  return undefined;
}

/** The runner settings of the shared options, with the given state backend. */
export function localRunSettings(
  opts: LocalRunOptions,
  state: StateOption | undefined,
): Pick<LocalRunSettings, 'dataDir' | 'state' | 'engine' | 'timeoutMinutes' | 'verbose'> {
  return {
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(state !== undefined ? { state } : {}),
    ...(opts.engine !== undefined ? { engine: opts.engine as Engine } : {}),
    ...(opts.timeout !== undefined ? { timeoutMinutes: Number(opts.timeout) } : {}),
    verbose: opts.verbose ?? false,
  };
}

/**
 * Runs a local command; a RunSetupError (bad tag, missing tool, unusable backend) is printed under the command's
 * name and ends as `setupExit(error)`. Anything else is a defect and propagates.
 */
export async function reportSetupErrors(
  command: string,
  io: CliIo,
  setupExit: (error: RunSetupError) => number,
  run: () => Promise<number>,
): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RunSetupError) {
      io.err(error.message.startsWith('tfpf') ? error.message : `tfpf ${command}: ${error.message}`);
      return setupExit(error);
    }
    throw error;
  }
}
