import * as fs from 'node:fs';
import * as path from 'node:path';

/** The project root: the nearest folder above this file that holds package.json. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`tfpf: cannot find the project root above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** Folder of the pinned local tools installed by `scripts/install-tools` (override: TFPF_TOOLS_DIR). */
export function toolsBinDir(): string {
  return process.env.TFPF_TOOLS_DIR ?? path.join(projectRoot(), '.tools', 'bin');
}

/** Path of a pinned local tool; throws a message naming the install command when it is missing. */
export function toolPath(name: string): string {
  const file = path.join(toolsBinDir(), name);
  if (!fs.existsSync(file)) {
    throw new Error(`tfpf: ${name} is not installed in ${toolsBinDir()}: run scripts/install-tools`);
  }
  return file;
}
