import * as fs from 'node:fs';
import * as path from 'node:path';
import { displayPath } from '../config';
import { lockDigest, renderLock, toolsLockSchema, type ToolsLock } from './lock-format';
import { ToolsLockError } from './tools-lock-error';

/** The lock's file name, next to factory.yaml in the configuration folder. */
export const LOCK_FILE = 'tools.lock.json';

export function lockFilePath(configDir: string): string {
  return path.join(path.resolve(configDir), LOCK_FILE);
}

/** The command that (re)writes the lock of a configuration folder, as shown in messages. */
export function lockCommand(configDir: string): string {
  return `tfpf tools lock --config ${displayPath(path.resolve(configDir))}`;
}

/** Parses and checks lock text: schema, then that `digest` is the digest of the content. */
export function parseLock(text: string, shown: string, configDir: string): ToolsLock {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ToolsLockError(
      `${shown}: not valid JSON (${(error as Error).message}); rewrite it with: ${lockCommand(configDir)}`,
    );
  }
  const parsed = toolsLockSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `  ${shown}: ${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw new ToolsLockError(`${shown} is not a valid tools lock:\n${problems.join('\n')}`);
  }
  const expected = lockDigest(parsed.data);
  if (parsed.data.digest !== expected) {
    throw new ToolsLockError(
      `${shown}: digest ${parsed.data.digest} does not match the content (${expected}): the lock was changed ` +
        `without being rewritten; rewrite it with: ${lockCommand(configDir)}`,
    );
  }
  return parsed.data;
}

/** Reads the lock of a configuration folder. A missing lock is an error naming the command that writes it. */
export function readLockFile(configDir: string): ToolsLock {
  const file = lockFilePath(configDir);
  const shown = displayPath(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ToolsLockError(`${shown}: no tools lock; write it with: ${lockCommand(configDir)}`);
    }
    throw new ToolsLockError(`${shown}: cannot read: ${(error as Error).message}`);
  }
  return parseLock(text, shown, configDir);
}

/** Writes the lock atomically (temp file + rename). */
export function writeLockFile(configDir: string, lock: ToolsLock): string {
  const file = lockFilePath(configDir);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, renderLock(lock));
  fs.renameSync(temp, file);
  return file;
}
