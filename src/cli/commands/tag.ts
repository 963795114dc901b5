import { resolveRelease } from '../../tag';
import { EXIT_CONFIG, loadConfigOrReport } from '../config-option';
import { quoteUntrusted, type CliIo } from '../output';

/**
 * `tfpf tag <tag>`: on success prints one JSON object and returns 0; on rejection prints nothing on stdout, one
 * line on stderr, and returns 1. An invalid configuration returns 2.
 */
export function tagCommand(tag: string, configDir: string, io: CliIo): number {
  const config = loadConfigOrReport(configDir, io);
  if (config === undefined) return EXIT_CONFIG;
  const result = resolveRelease(tag, config);
  if (!result.ok) {
    io.err(`tfpf: rejected tag ${quoteUntrusted(tag)}: ${result.reason}`);
    return 1;
  }
  io.out(JSON.stringify(result.release, null, 2));
  return 0;
}
