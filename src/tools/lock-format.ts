import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The tools lock (`pipelines/tools.lock.json`): for every tool the builds run, the exact version and what each
 * platform's download must hash to. Written by `tfpf tools lock`, reviewed and committed with the configuration.
 *
 * Its `digest` is the SHA-256 (hex) of the canonical form of the lock without `digest`: JSON with object keys
 * sorted, no whitespace, UTF-8 — in Python `json.dumps(lock_without_digest, sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False).encode()`. The tools bundle is stored under that digest.
 */
export const LOCK_VERSION = 1;

/** Platforms every binary tool is locked for (CodeBuild x86_64 and arm64 images). */
export const PLATFORMS = ['linux_amd64', 'linux_arm64'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The binary tools of a lock; the engine is terraform or opentofu. */
export const BINARY_TOOLS = ['terraform', 'opentofu', 'tflint', 'tfsec'] as const;
export type BinaryToolName = (typeof BINARY_TOOLS)[number];

/** Python the scanners run on (CodeBuild Lambda `AMAZON_LINUX_2023_PYTHON_3_12`; the standard 7.0 image has 3.12 too). */
export const CHECKOV_PYTHON = '3.12';

/**
 * How the checksum file itself was authenticated:
 * - `pgp`: its detached OpenPGP signature verified with the vendor key shipped in src/tools/keys (`signer` is the
 *   fingerprint of that key);
 * - `https`: the vendor signs no checksum file with a key (keyless signatures only), so the file is as served over
 *   TLS from the vendor's release page;
 * - `transcribed`: the archive digests were copied from public copies of the vendor's checksum file, not
 *   downloaded and checked by `tfpf tools lock`; `tfpf validate` warns about such entries.
 */
export const VERIFICATIONS = ['pgp', 'https', 'transcribed'] as const;
export type Verification = (typeof VERIFICATIONS)[number];

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256 (64 characters)');
const version = z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$/, 'must be an exact version');
const fingerprint = z.string().regex(/^[0-9A-F]{40}$/, 'must be a 40-digit uppercase OpenPGP fingerprint');
const fileName = z.string().regex(/^[A-Za-z0-9._+-]+$/, 'must be a plain file name');
const url = z.string().regex(/^(https|file):\/\/\S+$/, 'must be an https:// or file:// URL');

export const artifactSchema = z.strictObject({
  /** Archive (or raw binary) file name as published by the vendor. */
  file: fileName,
  /** Where builds download it. */
  url,
  /** SHA-256 of that file, from the vendor's (verified) checksum file and re-checked against the download. */
  sha256: sha256Hex,
  /** `zip`: the executable is `binary` inside the archive; `binary`: the file is the executable itself. */
  format: z.enum(['zip', 'binary']),
  /** Executable name: the member of the zip, or what the raw file is installed as. */
  binary: fileName,
});

export const checksumsSchema = z.strictObject({
  /** The vendor's checksum file, e.g. terraform_1.12.2_SHA256SUMS. */
  file: fileName,
  url,
  /** SHA-256 of the checksum file as downloaded (absent when `transcribed`). */
  sha256: sha256Hex.optional(),
  verification: z.enum(VERIFICATIONS),
  /** `pgp` only: the detached signature that was verified, and the fingerprint of the key that made it. */
  signatureUrl: url.optional(),
  signer: fingerprint.optional(),
});

export const binaryToolSchema = z.strictObject({
  version,
  checksums: checksumsSchema,
  platforms: z.strictObject({ linux_amd64: artifactSchema, linux_arm64: artifactSchema }),
});

export const tflintPluginSchema = binaryToolSchema.extend({
  /** Plugin source as in .tflint.hcl, e.g. github.com/terraform-linters/tflint-ruleset-aws. */
  source: z.string().regex(/^github\.com\/[A-Za-z0-9_.-]+\/tflint-ruleset-[A-Za-z0-9_.-]+$/),
});

export const requirementSchema = z.strictObject({
  /** Normalized distribution name (PEP 503). */
  name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  version: z.string().min(1),
  /** SHA-256 of every accepted file of that version (one wheel per platform, or a universal wheel). */
  sha256: z.array(sha256Hex).min(1),
});

export const checkovSchema = z.strictObject({
  version,
  /** CPython minor version the requirement set was resolved for. */
  python: z.string().regex(/^3\.[0-9]+$/),
  /** Every distribution `pip install --require-hashes --no-deps` needs, checkov included, sorted by name. */
  requirements: z.array(requirementSchema).min(1),
});

export const toolsLockSchema = z.strictObject({
  lockVersion: z.literal(LOCK_VERSION),
  digest: sha256Hex,
  tools: z.strictObject({
    terraform: binaryToolSchema.optional(),
    opentofu: binaryToolSchema.optional(),
    tflint: binaryToolSchema,
    tfsec: binaryToolSchema,
    checkov: checkovSchema,
  }),
  /** Pinned tflint plugins, by plugin name (absent when none are configured). */
  tflintPlugins: z.record(z.string().regex(/^[a-z0-9-]+$/), tflintPluginSchema).optional(),
});

export type Artifact = z.output<typeof artifactSchema>;
export type ChecksumsRecord = z.output<typeof checksumsSchema>;
export type BinaryToolLock = z.output<typeof binaryToolSchema>;
export type TflintPluginLock = z.output<typeof tflintPluginSchema>;
export type Requirement = z.output<typeof requirementSchema>;
export type CheckovLock = z.output<typeof checkovSchema>;
export type ToolsLock = z.output<typeof toolsLockSchema>;
export type UnsignedToolsLock = Omit<ToolsLock, 'digest'>;

/** JSON with object keys sorted and no whitespace: the form the digest is taken of. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex) of the canonical form of the lock without its `digest` field. */
export function lockDigest(lock: UnsignedToolsLock | ToolsLock): string {
  const { digest: _ignored, ...rest } = lock as ToolsLock;
  return createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

/** Adds the digest, placing it first so that it heads the file. */
export function sealLock(lock: UnsignedToolsLock): ToolsLock {
  const { lockVersion, ...rest } = lock;
  return { lockVersion, digest: lockDigest(lock), ...rest };
}

/**
 * The lock as committed: 2-space indented JSON with keys in a stable order (lockVersion, digest, then sorted), so
 * that a version bump shows as a small reviewable diff.
 */
export function renderLock(lock: ToolsLock): string {
  const sorted = JSON.parse(canonicalJson(lock)) as Record<string, unknown>;
  const { lockVersion, digest, ...rest } = sorted;
  return `${JSON.stringify({ lockVersion, digest, ...rest }, null, 2)}\n`;
}

/**
 * The checkov requirement set as a pip requirements file for `pip install --require-hashes --no-deps -r`.
 */
export function checkovRequirementsTxt(checkov: CheckovLock): string {
  return checkov.requirements
    .map((r) => [`${r.name}==${r.version}`, ...r.sha256.map((h) => `--hash=sha256:${h}`)].join(' '))
    .join('\n')
    .concat('\n');
}
