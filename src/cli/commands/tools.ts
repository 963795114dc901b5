import * as fs from 'node:fs';
import type { Command } from 'commander';
import { displayPath } from '../../config';
import {
  lockTools,
  readKeyFingerprint,
  tflintPluginPins,
  ToolsLockError,
  writeLockFile,
  type LockToolsOptions,
} from '../../tools';
import { EXIT_CONFIG, loadConfigOrReport } from '../config-option';
import type { CliIo } from '../output';

/**
 * Tests only: an armored public key that replaces every vendor key for this run. The lock then names that key
 * as the signer, and `tfpf validate` refuses it.
 */
export const TEST_KEY_ENV = 'TFPF_TOOLS_LOCK_TEST_KEY';

export interface ToolsLockCommandOptions {
  readonly config: string;
  readonly mirror?: string;
  readonly python?: string;
}

/** `tfpf tools lock`: writes <config>/tools.lock.json; exit 0 written, 1 refused, 2 invalid configuration. */
export async function toolsLockCommand(opts: ToolsLockCommandOptions, io: CliIo): Promise<number> {
  const model = loadConfigOrReport(opts.config, io);
  if (!model) return EXIT_CONFIG;
  if (opts.mirror !== undefined && !/^(https|file):\/\/\S+$/.test(opts.mirror)) {
    io.err('tfpf: --mirror must be an https:// or file:// URL');
    return EXIT_CONFIG;
  }
  try {
    const options: LockToolsOptions = {
      log: (line) => io.out(line),
      ...(opts.mirror !== undefined ? { mirror: opts.mirror } : {}),
      ...(opts.python !== undefined ? { python: opts.python } : {}),
      ...(await testKeyOption(io)),
    };
    const lock = await lockTools(model.factory.tools, tflintPluginPins(model.factory.scanners), options);
    const file = writeLockFile(model.dir, lock);
    io.out(`wrote ${displayPath(file)} (digest ${lock.digest}): review and commit it with the configuration`);
    return 0;
  } catch (error) {
    if (error instanceof ToolsLockError) {
      io.err(`tfpf: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function testKeyOption(io: CliIo): Promise<Pick<LockToolsOptions, 'testKey'>> {
  const keyFile = process.env[TEST_KEY_ENV];
  if (keyFile === undefined || keyFile === '') return {};
  const armored = fs.readFileSync(keyFile, 'utf8');
  const fingerprint = await readKeyFingerprint(armored, keyFile);
  io.err(
    `tfpf: WARNING: ${TEST_KEY_ENV} is set: signatures are checked against the test key ${fingerprint}, ` +
      'not the vendors’ keys; tfpf validate refuses such a lock',
  );
  return { testKey: { armored, fingerprint, owner: `test key ${keyFile}` } };
}

export function registerToolsCommand(
  program: Command,
  io: CliIo,
  result: { code: number | Promise<number> },
  configOption: () => [string, string, string],
): void {
  const tools = program.command('tools').description('pinned tool versions and their checksums');
  tools
    .command('lock')
    .description(
      'write <config>/tools.lock.json: verify the vendors’ signed checksum files and pin every tool archive and the checkov requirement set by SHA-256',
    )
    .option(...configOption())
    .option(
      '--mirror <base url>',
      'download from this https:// or file:// mirror instead of the vendors (<mirror>/terraform/<v>/, <mirror>/tflint/v<v>/, ..., <mirror>/pypi/)',
    )
    .option('--python <exe>', 'Python that runs pip to resolve checkov (default: python3)')
    .action((opts: ToolsLockCommandOptions) => {
      result.code = toolsLockCommand(opts, io);
    });
}
