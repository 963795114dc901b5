import * as path from 'node:path';
import type { BinaryToolName, Platform } from './lock-format';

/** An OpenPGP key a vendor signs its checksum files with, shipped in src/tools/keys/. */
export interface VendorKey {
  /** File under src/tools/keys/. */
  readonly file: string;
  /** Fingerprint the shipped key must have (checked every time it is loaded). */
  readonly fingerprint: string;
  readonly owner: string;
}

export const HASHICORP_KEY: VendorKey = {
  file: 'hashicorp.asc',
  fingerprint: 'C874011F0AB405110D02105534365D9472D7468F',
  owner: 'HashiCorp Security <security@hashicorp.com>',
};

export const OPENTOFU_KEY: VendorKey = {
  file: 'opentofu.asc',
  fingerprint: 'E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80',
  owner: 'OpenTofu <core@opentofu.org>',
};

/** Folder holding the shipped keys (same place from src/ and from a compiled copy next to it). */
export const KEYS_DIR = path.join(__dirname, 'keys');

/** Where one tool version's files are published, and how its checksum file is authenticated. */
export interface ReleaseLayout {
  /** Vendor base URL of this version's files (no trailing slash). */
  readonly base: string;
  /** Path of this version under a `--mirror` base URL. */
  readonly mirrorPath: string;
  readonly checksumsFile: string;
  /** Detached signature of the checksum file, when the vendor signs it with a key. */
  readonly signature?: { readonly file: string; readonly key: VendorKey };
  readonly artifact: (platform: Platform) => {
    readonly file: string;
    readonly format: 'zip' | 'binary';
    readonly binary: string;
  };
}

const arch = (platform: Platform): string => platform.replace('linux_', '');

/** Release layout of each binary tool, by version. */
export const RELEASES: Record<BinaryToolName, (version: string) => ReleaseLayout> = {
  terraform: (v) => ({
    base: `https://releases.hashicorp.com/terraform/${v}`,
    mirrorPath: `terraform/${v}`,
    checksumsFile: `terraform_${v}_SHA256SUMS`,
    signature: { file: `terraform_${v}_SHA256SUMS.sig`, key: HASHICORP_KEY },
    artifact: (p) => ({ file: `terraform_${v}_${p}.zip`, format: 'zip', binary: 'terraform' }),
  }),
  opentofu: (v) => ({
    base: `https://github.com/opentofu/opentofu/releases/download/v${v}`,
    mirrorPath: `opentofu/v${v}`,
    checksumsFile: `tofu_${v}_SHA256SUMS`,
    // OpenTofu also publishes a cosign keyless signature (.sig + .pem); the GPG one is checked here.
    signature: { file: `tofu_${v}_SHA256SUMS.gpgsig`, key: OPENTOFU_KEY },
    artifact: (p) => ({ file: `tofu_${v}_${p}.zip`, format: 'zip', binary: 'tofu' }),
  }),
  tflint: (v) => ({
    // Signed only keylessly (GitHub artifact attestations; cosign until v0.6x): no key to check here.
    base: `https://github.com/terraform-linters/tflint/releases/download/v${v}`,
    mirrorPath: `tflint/v${v}`,
    checksumsFile: 'checksums.txt',
    artifact: (p) => ({ file: `tflint_${p}.zip`, format: 'zip', binary: 'tflint' }),
  }),
  tfsec: (v) => ({
    // tfsec signs each binary (not the checksum file) with its own GPG key, which is not shipped here.
    base: `https://github.com/aquasecurity/tfsec/releases/download/v${v}`,
    mirrorPath: `tfsec/v${v}`,
    checksumsFile: 'tfsec_checksums.txt',
    artifact: (p) => ({ file: `tfsec-linux-${arch(p)}`, format: 'binary', binary: 'tfsec' }),
  }),
};

/** A tflint plugin as pinned in factory.yaml `scanners.tflintPlugins`. */
export interface TflintPluginPin {
  readonly name: string;
  readonly version: string;
  readonly source: string;
}

/** Release layout of a tflint plugin (GitHub releases, goreleaser checksums.txt, signed keylessly if at all). */
export function pluginRelease(plugin: TflintPluginPin): ReleaseLayout {
  const [, owner, repo] = plugin.source.split('/');
  return {
    base: `https://github.com/${owner}/${repo}/releases/download/v${plugin.version}`,
    mirrorPath: `tflint-plugins/${plugin.name}/v${plugin.version}`,
    checksumsFile: 'checksums.txt',
    artifact: (p) => ({
      file: `${repo}_${p}.zip`,
      format: 'zip',
      binary: repo ?? `tflint-ruleset-${plugin.name}`,
    }),
  };
}
