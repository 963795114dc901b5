import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ToolsLockError } from './tools-lock-error';

/** Largest file `tfpf tools lock` downloads (the biggest tool archive is well under this). */
export const MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;

/** Downloads an https:// URL or reads a file:// URL (a local mirror). Other schemes are refused. */
export async function fetchBytes(url: string, timeoutMs = 300_000): Promise<Buffer> {
  if (url.startsWith('file://')) {
    const file = fileURLToPath(url);
    try {
      const size = fs.statSync(file).size;
      if (size > MAX_DOWNLOAD_BYTES)
        throw new ToolsLockError(`${url}: larger than ${MAX_DOWNLOAD_BYTES} bytes`);
      return fs.readFileSync(file);
    } catch (error) {
      if (error instanceof ToolsLockError) throw error;
      throw new ToolsLockError(`cannot read ${url}: ${(error as Error).message}`);
    }
  }
  if (!url.startsWith('https://'))
    throw new ToolsLockError(`refusing to download ${url}: only https:// and file://`);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new ToolsLockError(`cannot download ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new ToolsLockError(`cannot download ${url}: HTTP ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > MAX_DOWNLOAD_BYTES)
    throw new ToolsLockError(`${url}: larger than ${MAX_DOWNLOAD_BYTES} bytes`);
  return body;
}
