import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ToolsConfig } from '../config';
import { resolveCheckov, mirrorIndex, type PythonIndex } from './checkov-requirements';
import { parseChecksumFile } from './checksum-file';
import { fetchBytes } from './fetch-bytes';
import {
  LOCK_VERSION,
  PLATFORMS,
  sealLock,
  type Artifact,
  type BinaryToolLock,
  type BinaryToolName,
  type ChecksumsRecord,
  type TflintPluginLock,
  type ToolsLock,
} from './lock-format';
import { verifyDetached, type TrustedKey } from './pgp';
import { ToolsLockError } from './tools-lock-error';
import {
  KEYS_DIR,
  RELEASES,
  pluginRelease,
  type ReleaseLayout,
  type TflintPluginPin,
  type VendorKey,
} from './vendors';

export const PYPI_INDEX = 'https://pypi.org/simple';

export interface LockToolsOptions {
  /**
   * Base URL to download from instead of the vendors (https:// or file://), laid out as
   * `<mirror>/terraform/<v>/`, `<mirror>/opentofu/v<v>/`, `<mirror>/tflint/v<v>/`, `<mirror>/tfsec/v<v>/`,
   * `<mirror>/tflint-plugins/<name>/v<v>/` (the vendor's file names) and `<mirror>/pypi/` (wheels, flat).
   * The lock still records the vendors' URLs: the digests, not the place, are what builds check.
   */
  readonly mirror?: string;
  /**
   * Tests only: the key every signed checksum file is checked against instead of the vendor's. The lock records
   * its fingerprint as the signer, which `tfpf validate` then refuses.
   */
  readonly testKey?: TrustedKey;
  /** Python running pip for the checkov requirement set. Default: python3. */
  readonly python?: string;
  /** Where pip resolves checkov. Default: the mirror's pypi/ folder, else PyPI. */
  readonly pythonIndex?: PythonIndex;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function vendorKey(key: VendorKey): TrustedKey {
  return {
    armored: fs.readFileSync(path.join(KEYS_DIR, key.file), 'utf8'),
    fingerprint: key.fingerprint,
    owner: key.owner,
  };
}

async function lockBinary(
  label: string,
  version: string,
  layout: ReleaseLayout,
  options: LockToolsOptions,
): Promise<BinaryToolLock> {
  const log = options.log ?? ((): void => undefined);
  const fetchBase = options.mirror
    ? `${options.mirror.replace(/\/+$/, '')}/${layout.mirrorPath}`
    : layout.base;
  const what = `${label} ${version}`;
  const sums = await fetchBytes(`${fetchBase}/${layout.checksumsFile}`);
  let checksums: ChecksumsRecord = {
    file: layout.checksumsFile,
    url: `${layout.base}/${layout.checksumsFile}`,
    sha256: sha256(sums),
    verification: 'https',
  };
  if (layout.signature) {
    const signature = await fetchBytes(`${fetchBase}/${layout.signature.file}`);
    const key = options.testKey ?? vendorKey(layout.signature.key);
    const signer = await verifyDetached(sums, signature, key, `${what}: ${layout.signature.file}`);
    checksums = {
      ...checksums,
      verification: 'pgp',
      signatureUrl: `${layout.base}/${layout.signature.file}`,
      signer,
    };
    log(`${what}: ${layout.checksumsFile} signature verified (key ${signer})`);
  } else {
    log(`${what}: ${layout.checksumsFile} has no key signature to verify; using it as served`);
  }
  const digests = parseChecksumFile(sums.toString('utf8'), `${what}: ${layout.checksumsFile}`);
  const platforms = {} as Record<(typeof PLATFORMS)[number], Artifact>;
  for (const platform of PLATFORMS) {
    const artifact = layout.artifact(platform);
    const expected = digests.get(artifact.file);
    if (expected === undefined) {
      throw new ToolsLockError(
        `${what}: ${layout.checksumsFile} lists no ${artifact.file} (platform ${platform}); refusing to lock`,
      );
    }
    const actual = sha256(await fetchBytes(`${fetchBase}/${artifact.file}`));
    if (actual !== expected) {
      throw new ToolsLockError(
        `${what}: ${artifact.file} does not match ${layout.checksumsFile}: the download has SHA-256 ${actual}, ` +
          `the checksum file says ${expected}; refusing to lock`,
      );
    }
    platforms[platform] = { ...artifact, url: `${layout.base}/${artifact.file}`, sha256: expected };
    log(`${what} ${platform}: ${artifact.file} sha256 ${expected}`);
  }
  return { version, checksums, platforms };
}

/** Reads `scanners.tflintPlugins` when the configuration has it (`[{name, version, source}]`), else none. */
export function tflintPluginPins(scanners: unknown): TflintPluginPin[] {
  const pins = (scanners as { tflintPlugins?: unknown } | undefined)?.tflintPlugins;
  if (!Array.isArray(pins)) return [];
  return pins.filter(
    (p): p is TflintPluginPin =>
      typeof p === 'object' &&
      p !== null &&
      typeof (p as TflintPluginPin).name === 'string' &&
      typeof (p as TflintPluginPin).version === 'string' &&
      typeof (p as TflintPluginPin).source === 'string',
  );
}

/**
 * Builds the tools lock for `tools` (and pinned tflint plugins): downloads each vendor's checksum file, verifies
 * its signature where the vendor signs with a key, checks every platform's archive against it, and resolves the
 * hash-pinned checkov requirement set. Refuses (ToolsLockError) on the first problem.
 */
export async function lockTools(
  tools: ToolsConfig,
  plugins: readonly TflintPluginPin[],
  options: LockToolsOptions = {},
): Promise<ToolsLock> {
  const engine: BinaryToolName = tools.engine;
  const engineVersion = engine === 'opentofu' ? tools.opentofu : tools.terraform;
  if (engineVersion === undefined) {
    throw new ToolsLockError(
      'tools.opentofu: the OpenTofu version is required when tools.engine is "opentofu"',
    );
  }
  const lockOne = (tool: BinaryToolName, version: string): Promise<BinaryToolLock> =>
    lockBinary(tool, version, RELEASES[tool](version), options);

  const engineLock = await lockOne(engine, engineVersion);
  const tflint = await lockOne('tflint', tools.tflint);
  const tfsec = await lockOne('tfsec', tools.tfsec);
  const pluginLocks: Record<string, TflintPluginLock> = {};
  for (const plugin of plugins) {
    const locked = await lockBinary(
      `tflint plugin ${plugin.name}`,
      plugin.version,
      pluginRelease(plugin),
      options,
    );
    pluginLocks[plugin.name] = { ...locked, source: plugin.source };
  }
  options.log?.(`checkov ${tools.checkov}: resolving the requirement set with pip`);
  const index: PythonIndex =
    options.pythonIndex ??
    (options.mirror ? mirrorIndex(options.mirror) : { kind: 'index', url: PYPI_INDEX });
  const checkov = resolveCheckov(
    { version: tools.checkov, index, ...(options.python ? { python: options.python } : {}) },
    PLATFORMS,
  );
  options.log?.(`checkov ${tools.checkov}: ${checkov.requirements.length} distributions pinned by hash`);
  return sealLock({
    lockVersion: LOCK_VERSION,
    tools: { [engine]: engineLock, tflint, tfsec, checkov } as ToolsLock['tools'],
    ...(plugins.length > 0 ? { tflintPlugins: pluginLocks } : {}),
  });
}
