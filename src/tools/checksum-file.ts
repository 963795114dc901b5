import { ToolsLockError } from './tools-lock-error';

/**
 * Parses a `sha256sum`-style checksum file (`<64 hex>  <name>` or `<64 hex> *<name>`, one per line) into
 * file name → lowercase digest. Lines that are not of that form are refused, and so is a name listed twice
 * with different digests: either would let an ambiguous file pick which digest counts.
 */
export function parseChecksumFile(text: string, where: string): Map<string, string> {
  const digests = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const match = /^([0-9a-fA-F]{64}) [ *]([^\s/\\]+)$/.exec(line);
    if (!match) throw new ToolsLockError(`${where}: line ${index + 1} is not "<sha256>  <file name>"`);
    const [, digest, name] = match as unknown as [string, string, string];
    const previous = digests.get(name);
    if (previous !== undefined && previous !== digest.toLowerCase()) {
      throw new ToolsLockError(`${where}: ${name} is listed twice with different digests`);
    }
    digests.set(name, digest.toLowerCase());
  });
  return digests;
}
