import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as openpgp from 'openpgp';

/** A throwaway OpenPGP key made for one test run (never a vendor's). */
export interface TestKey {
  readonly publicKey: string;
  readonly privateKey: string;
  readonly fingerprint: string;
}

export async function makeTestKey(name = 'tfpf test signer'): Promise<TestKey> {
  const { publicKey, privateKey } = await openpgp.generateKey({ userIDs: [{ name }], format: 'armored' });
  const fingerprint = (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint().toUpperCase();
  return { publicKey, privateKey, fingerprint };
}

export async function signDetached(data: Buffer, key: TestKey, armored = false): Promise<Buffer> {
  const signingKeys = await openpgp.readPrivateKey({ armoredKey: key.privateKey });
  const message = await openpgp.createMessage({ binary: new Uint8Array(data) });
  const signature = armored
    ? await openpgp.sign({ message, signingKeys, detached: true, format: 'armored' })
    : await openpgp.sign({ message, signingKeys, detached: true, format: 'binary' });
  return typeof signature === 'string' ? Buffer.from(signature, 'utf8') : Buffer.from(signature);
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** One tool release in the mirror: its files and which checksum lines to publish. */
export interface MirrorRelease {
  readonly dir: string;
  readonly checksumsFile: string;
  readonly archives: readonly string[];
  readonly signatureFile?: string;
  readonly armoredSignature?: boolean;
}

/** The file:// mirror of the shipped factory.yaml tool versions, plus an OpenTofu release. */
export const RELEASES_IN_MIRROR: readonly MirrorRelease[] = [
  {
    dir: 'terraform/1.12.2',
    checksumsFile: 'terraform_1.12.2_SHA256SUMS',
    signatureFile: 'terraform_1.12.2_SHA256SUMS.sig',
    archives: [
      'terraform_1.12.2_linux_amd64.zip',
      'terraform_1.12.2_linux_arm64.zip',
      'terraform_1.12.2_darwin_arm64.zip',
    ],
  },
  {
    dir: 'opentofu/v1.10.6',
    checksumsFile: 'tofu_1.10.6_SHA256SUMS',
    signatureFile: 'tofu_1.10.6_SHA256SUMS.gpgsig',
    armoredSignature: true,
    archives: ['tofu_1.10.6_linux_amd64.zip', 'tofu_1.10.6_linux_arm64.zip'],
  },
  {
    dir: 'tflint/v0.64.0',
    checksumsFile: 'checksums.txt',
    archives: ['tflint_linux_amd64.zip', 'tflint_linux_arm64.zip', 'tflint_windows_amd64.zip'],
  },
  {
    dir: 'tfsec/v1.28.14',
    checksumsFile: 'tfsec_checksums.txt',
    archives: ['tfsec-linux-amd64', 'tfsec-linux-arm64'],
  },
  {
    dir: 'tflint-plugins/aws/v0.40.0',
    checksumsFile: 'checksums.txt',
    archives: ['tflint-ruleset-aws_linux_amd64.zip', 'tflint-ruleset-aws_linux_arm64.zip'],
  },
];

/** Writes the wheels of a tiny checkov (checkov -> tinydep, and a per-platform compiled dependency). */
function writeWheels(dir: string, checkovVersion: string): void {
  const script = String.raw`
import sys, zipfile, os
out, version = sys.argv[1], sys.argv[2]
def wheel(name, ver, tag, requires=()):
    dist = f"{name}-{ver}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {ver}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(os.path.join(out, f"{name}-{ver}-{tag}.whl"), "w") as z:
        z.writestr(f"{name}/__init__.py", f"# {name} {ver} {tag}\n")
        z.writestr(f"{dist}/METADATA", meta)
        z.writestr(f"{dist}/WHEEL", f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n")
        z.writestr(f"{dist}/RECORD", "")
wheel("checkov", version, "py3-none-any", ["tiny_dep==1.0.0", "fast-thing>=2"])
wheel("tiny_dep", "1.0.0", "py3-none-any")
wheel("tiny_dep", "0.9.0", "py3-none-any")
wheel("fast_thing", "2.1.0", "cp312-cp312-manylinux_2_17_x86_64")
wheel("fast_thing", "2.1.0", "cp312-cp312-manylinux_2_17_aarch64")
wheel("fast_thing", "2.1.0", "cp311-cp311-manylinux_2_17_x86_64")
`;
  const result = spawnSync('python3', ['-c', script, dir, checkovVersion], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot write test wheels: ${result.stderr}`);
}

export interface Mirror {
  readonly root: string;
  readonly url: string;
  readonly file: (relative: string) => string;
  /** Re-signs a release's checksum file (after a test changed it). */
  readonly resign: (release: MirrorRelease) => Promise<void>;
}

/** Builds a file:// mirror in a temp dir: fake archives, their checksum files, signed with `key`. */
export async function makeMirror(key: TestKey, checkovVersion = '3.3.30'): Promise<Mirror> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-mirror-'));
  const file = (relative: string): string => path.join(root, relative);
  const resign = async (release: MirrorRelease): Promise<void> => {
    if (!release.signatureFile) return;
    const sums = fs.readFileSync(file(`${release.dir}/${release.checksumsFile}`));
    fs.writeFileSync(
      file(`${release.dir}/${release.signatureFile}`),
      await signDetached(sums, key, release.armoredSignature),
    );
  };
  for (const release of RELEASES_IN_MIRROR) {
    fs.mkdirSync(file(release.dir), { recursive: true });
    const lines = release.archives.map((name) => {
      const body = Buffer.from(`fake ${release.dir} ${name}\n`);
      fs.writeFileSync(file(`${release.dir}/${name}`), body);
      return `${sha256(body)}  ${name}`;
    });
    fs.writeFileSync(file(`${release.dir}/${release.checksumsFile}`), `${lines.join('\n')}\n`);
    await resign(release);
  }
  fs.mkdirSync(file('pypi'));
  writeWheels(file('pypi'), checkovVersion);
  return { root, url: pathToFileURL(root).href, file, resign };
}
