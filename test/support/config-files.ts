import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildModel,
  ConfigError,
  formatProblem,
  type ConfigFile,
  type ConfigProblem,
  type FactoryModel,
} from '../../src/config';

export const SHIPPED_CONFIG_DIR = path.join(__dirname, '..', '..', 'pipelines');

/** The shipped default configuration files, by name. */
export function shippedConfigFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of fs
    .readdirSync(SHIPPED_CONFIG_DIR)
    .filter((n) => n.endsWith('.yaml'))
    .sort()) {
    files.set(name, fs.readFileSync(path.join(SHIPPED_CONFIG_DIR, name), 'utf8'));
  }
  return files;
}

/** Builds a model from the shipped files with some files replaced, added (text) or removed (null). */
export function modelWith(changes: Record<string, string | null> = {}): FactoryModel {
  return buildModel('/config', 'pipelines', filesWith(changes));
}

export function filesWith(changes: Record<string, string | null>): ConfigFile[] {
  const files = shippedConfigFiles();
  for (const [name, text] of Object.entries(changes)) {
    if (text === null) files.delete(name);
    else files.set(name, text);
  }
  return [...files.entries()].map(([name, text]) => ({ name, text }));
}

/** The build environment the shipped factory.yaml gives every project: layout defaults and scanner settings. */
export const SHIPPED_CONFIG_BUILD_ENVIRONMENT: Readonly<Record<string, string>> = {
  LAYOUT_REGIONAL: 'regional',
  LAYOUT_GLOBAL: 'global',
  LAYOUT_VARS: 'vars',
  LAYOUT_VARIABLES:
    'region=targetRegion\naccount=account\nenvironment=environment\nteam=team\nrelease_version=version',
  SCANNER_FAIL_ON: 'LOW',
  SCANNER_REPO_CONFIG: 'report',
};

/** The shipped tools lock file's name (it sits next to factory.yaml). */
export const LOCK_FILE_NAME = 'tools.lock.json';

/**
 * Writes a configuration folder into a fresh temp dir and returns its path. The shipped tools lock is copied
 * too, unless `changes` replaces it (text) or removes it (null) under its name.
 */
export function writeConfigDir(changes: Record<string, string | null> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-config-'));
  const { [LOCK_FILE_NAME]: lock, ...yamlChanges } = changes;
  for (const { name, text } of filesWith(yamlChanges)) fs.writeFileSync(path.join(dir, name), text);
  const lockText =
    lock === undefined ? fs.readFileSync(path.join(SHIPPED_CONFIG_DIR, LOCK_FILE_NAME), 'utf8') : lock;
  if (lockText !== null) fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), lockText);
  return dir;
}

/** A small environment file. */
export function envYaml(name: string, body: string): string {
  return `environment: ${name}\n${body}`;
}

/**
 * The problems a configuration load reports, each rendered by `render` (default: the loader's own line,
 * `file: field: message (line N)`). Fails the test when the load succeeds or throws anything but a ConfigError.
 */
export function configProblems(
  load: () => unknown,
  render: (problem: ConfigProblem) => string = formatProblem,
): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(render);
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

/** The problems of the shipped configuration with some files replaced, added (text) or removed (null). */
export function problemsWith(
  changes: Record<string, string | null>,
  render?: (problem: ConfigProblem) => string,
): string[] {
  return configProblems(() => modelWith(changes), render);
}
