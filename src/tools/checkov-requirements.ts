import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKOV_PYTHON, type CheckovLock, type Platform, type Requirement } from './lock-format';
import { ToolsLockError } from './tools-lock-error';

/** Where pip finds checkov and its dependencies. */
export type PythonIndex =
  | { readonly kind: 'index'; readonly url: string }
  /** A flat folder of wheels (a `file://` mirror): `--no-index --find-links`. */
  | { readonly kind: 'find-links'; readonly dir: string };

export interface ResolveCheckovOptions {
  readonly version: string;
  readonly index: PythonIndex;
  /** Python that runs pip (any 3.x with pip; the target is set with --python-version). Default: python3. */
  readonly python?: string;
  /** Target CPython minor version. Default: {@link CHECKOV_PYTHON}. */
  readonly pythonVersion?: string;
}

/** manylinux tags a CodeBuild image (glibc 2.34, Amazon Linux 2023) accepts, newest first. */
const MANYLINUX = ['manylinux_2_34', 'manylinux_2_28', 'manylinux_2_17', 'manylinux2014'];
const MACHINE: Record<Platform, string> = { linux_amd64: 'x86_64', linux_arm64: 'aarch64' };

/** PEP 503 normalized name. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** `name-version-...whl` → normalized name and version (PEP 427 file names escape `-` in both as `_`). */
export function parseWheelName(file: string): { name: string; version: string } {
  const match = /^([^-]+)-([^-]+)-.+\.whl$/.exec(file);
  if (!match) throw new ToolsLockError(`checkov: pip downloaded ${file}, which is not a wheel`);
  return { name: normalizeName(match[1] as string), version: match[2] as string };
}

function pipDownload(options: ResolveCheckovOptions, platform: Platform, dest: string): void {
  const pythonVersion = options.pythonVersion ?? CHECKOV_PYTHON;
  const abi = `cp${pythonVersion.replace('.', '')}`;
  const args = [
    '-m',
    'pip',
    'download',
    '--disable-pip-version-check',
    '--no-input',
    '--quiet',
    '--dest',
    dest,
    '--only-binary=:all:',
    '--python-version',
    pythonVersion,
    '--implementation',
    'cp',
    ...['--abi', abi, '--abi', 'abi3', '--abi', 'none'],
    ...MANYLINUX.flatMap((tag) => ['--platform', `${tag}_${MACHINE[platform]}`]),
    ...(options.index.kind === 'index'
      ? ['--index-url', options.index.url]
      : ['--no-index', '--find-links', options.index.dir]),
    `checkov==${options.version}`,
  ];
  const result = spawnSync(options.python ?? 'python3', args, {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, PIP_CONFIG_FILE: os.devNull },
  });
  if (result.error) {
    throw new ToolsLockError(
      `checkov: cannot run ${options.python ?? 'python3'} -m pip: ${result.error.message}`,
    );
  }
  if (result.status !== 0) {
    const detail = `${result.stderr}${result.stdout}`.trim().split('\n').slice(-5).join('\n  ');
    throw new ToolsLockError(
      `checkov: pip could not resolve checkov==${options.version} for CPython ${pythonVersion} ${platform}:\n  ${detail}`,
    );
  }
}

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Resolves checkov and every transitive dependency to wheels for the scanners' Python on each platform (pip
 * download, binary wheels only) and returns one requirement per distribution with the SHA-256 of each accepted
 * wheel. The same version must be chosen on every platform: `pip install --require-hashes` takes one pin each.
 */
export function resolveCheckov(options: ResolveCheckovOptions, platforms: readonly Platform[]): CheckovLock {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-checkov-lock-'));
  try {
    const found = new Map<string, { version: string; hashes: Set<string>; platforms: Set<Platform> }>();
    for (const platform of platforms) {
      const dest = path.join(work, platform);
      fs.mkdirSync(dest);
      pipDownload(options, platform, dest);
      for (const file of fs.readdirSync(dest).sort()) {
        const { name, version } = parseWheelName(file);
        const entry = found.get(name) ?? { version, hashes: new Set<string>(), platforms: new Set() };
        if (entry.version !== version) {
          throw new ToolsLockError(
            `checkov: pip chose ${name} ${entry.version} for ${[...entry.platforms].join(', ')} but ${version} for ${platform}; ` +
              'one version per distribution is needed for --require-hashes',
          );
        }
        entry.hashes.add(sha256File(path.join(dest, file)));
        entry.platforms.add(platform);
        found.set(name, entry);
      }
    }
    const main = found.get('checkov');
    if (main?.version !== options.version) {
      throw new ToolsLockError(`checkov: pip did not download checkov ${options.version}`);
    }
    const requirements: Requirement[] = [...found.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, e]) => ({ name, version: e.version, sha256: [...e.hashes].sort() }));
    return { version: options.version, python: options.pythonVersion ?? CHECKOV_PYTHON, requirements };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The pip index of a `--mirror` base URL: `<mirror>/pypi/` holds the wheels, flat. */
export function mirrorIndex(mirror: string): PythonIndex {
  const base = `${mirror.replace(/\/+$/, '')}/pypi/`;
  return base.startsWith('file://')
    ? { kind: 'find-links', dir: fileURLToPath(base) }
    : { kind: 'find-links', dir: base };
}
