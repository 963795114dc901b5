import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { projectRoot } from '../../src/local/project-paths';
import { lockDigest, type Artifact, type ToolsLock } from '../../src/tools/lock-format';
import { tempDir } from '../runner/harness';
import { useMotoServer } from '../support/moto';

// The tools bundle (buildspecs/lib/tfpf_tools.py) against moto S3: a bundle built by `bundle-local` from a small
// install-tools tree, uploaded with `upload-bundle`, then fetched by `install` / `install-checkov` as an action does.
// Every tampering is detected and named with both digests; an absent bundle falls back to the verified download.

const LIB = path.join(projectRoot(), 'buildspecs', 'lib');
const REGION = 'eu-central-1';
const moto = useMotoServer();
// A fallback to PyPI first creates a venv with pip (ensurepip): up to ~30 s on a busy 2-core machine.
jest.setTimeout(120_000);

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

interface Run {
  readonly code: number;
  readonly out: string;
}

function python(args: readonly string[], env: Record<string, string>): Run {
  const result = spawnSync('python3', args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      TFPF_AWS_ENDPOINT: moto.server().endpoint,
      // A fallback to PyPI goes nowhere: a closed loopback port, no retries.
      PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
      PIP_RETRIES: '0',
      PIP_TIMEOUT: '1',
      ...env,
    },
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, out: `${result.stdout}${result.stderr}` };
}

/** A small install-tools tree: a terraform binary, its record, and a checkov venv whose checkov says who it is. */
function toolsTree(): string {
  const root = tempDir('tfpf-bundle-tools-');
  fs.mkdirSync(path.join(root, 'bin'));
  const terraform = path.join(root, 'bin', 'terraform');
  fs.writeFileSync(terraform, '#!/bin/sh\necho genuine terraform\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(root, 'tools.local.json'),
    JSON.stringify({
      terraform: { version: '1.8.5', path: 'bin/terraform', sha256: sha256(fs.readFileSync(terraform)) },
    }),
  );
  const venv = path.join(root, 'venvs', 'checkov');
  const made = spawnSync('python3', ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`python3 -m venv failed: ${made.stderr}`);
  const lib = path.join(venv, 'lib');
  const site = path.join(lib, fs.readdirSync(lib)[0] as string, 'site-packages');
  fs.mkdirSync(path.join(site, 'checkov'));
  fs.writeFileSync(path.join(site, 'checkov', '__init__.py'), '');
  fs.writeFileSync(
    path.join(site, 'checkov', 'main.py'),
    'import sys\n\ndef main():\n    print("genuine checkov", " ".join(sys.argv[1:]))\n',
  );
  fs.mkdirSync(path.join(site, 'checkov-3.3.30.dist-info'));
  fs.writeFileSync(
    path.join(site, 'checkov-3.3.30.dist-info', 'METADATA'),
    'Metadata-Version: 2.1\nName: checkov\nVersion: 3.3.30\n',
  );
  // A console script as pip writes it: its shebang names the venv where it was built.
  fs.writeFileSync(
    path.join(venv, 'bin', 'checkov'),
    '#!/nowhere/bin/python\nimport sys\nfrom checkov.main import main\nsys.exit(main())\n',
    { mode: 0o755 },
  );
  return root;
}

interface Bundle {
  readonly out: string;
  readonly lock: ToolsLock;
  readonly digest: string;
  /** `bundles/<digest>/linux_<arch>` */
  readonly prefix: string;
}

let tools: string;
let bundle: Bundle;

function platform(): string {
  return process.arch === 'arm64' ? 'linux_arm64' : 'linux_amd64';
}

beforeAll(() => {
  tools = toolsTree();
  const out = tempDir('tfpf-bundle-out-');
  const built = python([path.join(LIB, 'tfpf_tools.py'), 'bundle-local', tools, out], {});
  if (built.code !== 0) throw new Error(`bundle-local failed: ${built.out}`);
  const lock = JSON.parse(fs.readFileSync(path.join(out, 'tools.lock.json'), 'utf8')) as ToolsLock;
  bundle = { out, lock, digest: lock.digest, prefix: `bundles/${lock.digest}/${platform()}` };
});

function terraformItem(): Artifact {
  const platforms = bundle.lock.tools.terraform?.platforms as Record<string, Artifact> | undefined;
  const item = platforms?.[platform()];
  if (item === undefined) throw new Error(`the local lock has no terraform for ${platform()}`);
  return item;
}

function s3(): S3Client {
  return new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });
}

/** A fresh bucket holding the bundle, uploaded as the builder does. */
async function bucketWithBundle(): Promise<string> {
  const bucket = `tfpf-bundles-${randomBytes(4).toString('hex')}`;
  await s3().send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  const uploaded = python([path.join(LIB, 'tfpf_tools.py'), 'upload-bundle', bundle.out], {
    TFPF_TOOLS_BUNDLE_BUCKET: bucket,
  });
  expect([uploaded.code, uploaded.out]).toEqual([0, expect.stringContaining(`${bundle.prefix}/manifest.json`)]);
  return bucket;
}

async function emptyBucket(): Promise<string> {
  const bucket = `tfpf-bundles-${randomBytes(4).toString('hex')}`;
  await s3().send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  return bucket;
}

/** An action's library folder: the Python helpers and the bundle's lock. */
function actionLib(): string {
  const lib = tempDir('tfpf-bundle-lib-');
  for (const name of ['tfpf_tools.py', 'tfpf_s3.py', 'tfpf_credentials.py']) {
    fs.copyFileSync(path.join(LIB, name), path.join(lib, name));
  }
  fs.copyFileSync(path.join(bundle.out, 'tools.lock.json'), path.join(lib, 'tools.lock.json'));
  return lib;
}

function installTerraform(bucket: string, env: Record<string, string> = {}): Run & { dest: string } {
  const lib = actionLib();
  const dest = tempDir('tfpf-bundle-dest-');
  const run = python([path.join(lib, 'tfpf_tools.py'), 'install', 'terraform', dest], {
    TFPF_LIB: lib,
    TFPF_TOOLS_BUNDLE_BUCKET: bucket,
    ...env,
  });
  return { ...run, dest };
}

function installCheckov(bucket: string): Run & { venv: string } {
  const lib = actionLib();
  const venv = path.join(tempDir('tfpf-bundle-work-'), 'checkov');
  const run = python([path.join(lib, 'tfpf_tools.py'), 'install-checkov', venv], {
    TFPF_LIB: lib,
    TFPF_TOOLS_BUNDLE_BUCKET: bucket,
  });
  return { ...run, venv };
}

async function readObject(bucket: string, key: string): Promise<Buffer> {
  const got = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

async function writeObject(bucket: string, key: string, body: Buffer | string): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

test('the local bundle is keyed by the digest of the lock written with it, as src/tools computes it', () => {
  expect(bundle.digest).toBe(lockDigest(bundle.lock));
  const manifest = JSON.parse(fs.readFileSync(path.join(bundle.out, bundle.prefix, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({
    bundleVersion: 1,
    lockDigest: bundle.digest,
    platform: platform(),
    tools: { terraform: { version: '1.8.5', file: 'terraform/terraform' } },
    checkov: { version: '3.3.30', file: 'checkov-venv.tar.gz' },
  });
  const tarball = fs.readFileSync(path.join(bundle.out, bundle.prefix, 'checkov-venv.tar.gz'));
  expect(manifest.checkov.sha256).toBe(sha256(tarball));
  const script = fs.readFileSync(path.join(tools, 'venvs', 'checkov', 'bin', 'checkov'));
  expect(manifest.checkov.files['bin/checkov']).toEqual({ sha256: sha256(script), size: script.length, mode: '755' });
});

describe('a bundle that verifies is used', () => {
  test('terraform comes from the bundle, checked against the lock', async () => {
    const bucket = await bucketWithBundle();
    const { code, out, dest } = installTerraform(bucket);
    expect(code).toBe(0);
    const item = terraformItem();
    expect(out).toContain(
      `terraform 1.8.5: terraform from s3://${bucket}/${bundle.prefix}/terraform/terraform sha256:${item.sha256} matches the tools lock`,
    );
    expect(out).not.toContain('tools bundle:');
    expect(spawnSync(path.join(dest, 'terraform'), { encoding: 'utf8' }).stdout).toBe('genuine terraform\n');
  });

  test('the checkov venv is checked, extracted, compared with the manifest, and runs from the folder printed', async () => {
    const bucket = await bucketWithBundle();
    const { code, out, venv } = installCheckov(bucket);
    expect(code).toBe(0);
    expect(out).toMatch(
      new RegExp(`checkov 3\\.3\\.30: venv from s3://${bucket}/${bundle.prefix}/checkov-venv\\.tar\\.gz sha256:[0-9a-f]{64}, \\d+ files match the bundle manifest`),
    );
    const bin = out.split('\n')[0] as string;
    expect(bin).toBe(`${venv}-bin`);
    const ran = spawnSync(path.join(bin, 'checkov'), ['-d', '.'], { encoding: 'utf8' });
    expect(ran.stdout).toBe('genuine checkov -d .\n');
    // What checkov.yml checks next: the version, from the venv's own site-packages.
    const version = spawnSync(
      path.join(venv, 'bin', 'python'),
      ['-I', '-c', 'import importlib.metadata as m; print(m.version("checkov"))'],
      { encoding: 'utf8' },
    );
    expect(version.stdout).toBe('3.3.30\n');
  });
});

describe('a tampered bundle is never used', () => {
  test('a forged terraform in the bundle is refused with both digests, and the vendor archive installed', async () => {
    const bucket = await bucketWithBundle();
    const forged = '#!/bin/sh\necho forged terraform\n';
    await writeObject(bucket, `${bundle.prefix}/terraform/terraform`, forged);
    const { code, out, dest } = installTerraform(bucket);
    const item = terraformItem();
    expect(out).toContain(
      `tools bundle: terraform 1.8.5: s3://${bucket}/${bundle.prefix}/terraform/terraform has sha256:${sha256(forged)}, but the tools lock says sha256:${item.sha256}; not using it; downloading terraform 1.8.5 from ${item.url} instead`,
    );
    expect(code).toBe(0);
    expect(spawnSync(path.join(dest, 'terraform'), { encoding: 'utf8' }).stdout).toBe('genuine terraform\n');
  });

  test('a forged terraform whose manifest entry was forged too is still refused: the lock decides', async () => {
    const bucket = await bucketWithBundle();
    const forged = '#!/bin/sh\necho forged terraform\n';
    await writeObject(bucket, `${bundle.prefix}/terraform/terraform`, forged);
    const key = `${bundle.prefix}/manifest.json`;
    const manifest = JSON.parse((await readObject(bucket, key)).toString('utf8'));
    manifest.tools.terraform.sha256 = sha256(forged);
    await writeObject(bucket, key, JSON.stringify(manifest));
    const { out, dest } = installTerraform(bucket);
    expect(out).toContain(`has sha256:${sha256(forged)}, but the tools lock says sha256:`);
    expect(spawnSync(path.join(dest, 'terraform'), { encoding: 'utf8' }).stdout).toBe('genuine terraform\n');
  });

  test('a replaced checkov tarball is refused with both digests; nothing of it is left or run', async () => {
    const bucket = await bucketWithBundle();
    const key = `${bundle.prefix}/checkov-venv.tar.gz`;
    const genuine = await readObject(bucket, key);
    const forged = Buffer.concat([genuine, Buffer.from('trailing bytes')]);
    await writeObject(bucket, key, forged);
    const { code, out, venv } = installCheckov(bucket);
    expect(out).toContain(
      `tools bundle: checkov 3.3.30: s3://${bucket}/${key} has sha256:${sha256(forged)}, but the bundle manifest says sha256:${sha256(genuine)}; not using it; installing checkov 3.3.30 from PyPI instead`,
    );
    // PyPI is out of reach here (a closed loopback port): the fallback fails rather than use the bundle.
    expect(code).not.toBe(0);
    expect(fs.existsSync(`${venv}-bin`)).toBe(false);
  });

  test('a manifest that does not describe the extracted venv is refused, naming the file', async () => {
    const bucket = await bucketWithBundle();
    const key = `${bundle.prefix}/manifest.json`;
    const manifest = JSON.parse((await readObject(bucket, key)).toString('utf8'));
    const file = Object.keys(manifest.checkov.files).find((f) => f.endsWith(path.join('checkov', 'main.py')));
    expect(file).toBeDefined();
    const entry = manifest.checkov.files[file as string] as { size: number; mode: string };
    manifest.checkov.files[file as string] = { ...entry, size: entry.size + 1 };
    await writeObject(bucket, key, JSON.stringify(manifest));
    const { code, out, venv } = installCheckov(bucket);
    expect(out).toContain(
      `tools bundle: checkov 3.3.30: ${file} is a file of ${entry.size} bytes, mode 644 in the bundle's venv, but the bundle manifest says a file of ${entry.size + 1} bytes, mode 644; not using it; installing checkov 3.3.30 from PyPI instead`,
    );
    expect(code).not.toBe(0);
    expect(fs.existsSync(`${venv}-bin`)).toBe(false);
  });

  test('a tarball and manifest forged together but not a tar archive are refused, naming the object', async () => {
    const bucket = await bucketWithBundle();
    const tarKey = `${bundle.prefix}/checkov-venv.tar.gz`;
    const garbage = Buffer.from('not a tar archive');
    await writeObject(bucket, tarKey, garbage);
    const key = `${bundle.prefix}/manifest.json`;
    const manifest = JSON.parse((await readObject(bucket, key)).toString('utf8'));
    manifest.checkov.sha256 = sha256(garbage);
    await writeObject(bucket, key, JSON.stringify(manifest));
    const { out, venv } = installCheckov(bucket);
    expect(out).toContain(`tools bundle: checkov 3.3.30: s3://${bucket}/${tarKey} does not extract (`);
    expect(fs.existsSync(`${venv}-bin`)).toBe(false);
  });

  test('a venv file the manifest does not list is refused', async () => {
    const bucket = await bucketWithBundle();
    const key = `${bundle.prefix}/manifest.json`;
    const manifest = JSON.parse((await readObject(bucket, key)).toString('utf8'));
    delete manifest.checkov.files['bin/checkov'];
    await writeObject(bucket, key, JSON.stringify(manifest));
    const { out } = installCheckov(bucket);
    expect(out).toContain(
      "tools bundle: checkov 3.3.30: bin/checkov is in the bundle's venv but not in its manifest; not using it",
    );
  });

  test('a manifest for another lock is refused', async () => {
    const bucket = await bucketWithBundle();
    const key = `${bundle.prefix}/manifest.json`;
    const manifest = JSON.parse((await readObject(bucket, key)).toString('utf8'));
    manifest.lockDigest = sha256('another lock');
    await writeObject(bucket, key, JSON.stringify(manifest));
    const { out } = installCheckov(bucket);
    expect(out).toContain(
      `tools bundle: s3://${bucket}/${key}: lockDigest is '${sha256('another lock')}', expected '${bundle.digest}'; installing checkov 3.3.30 from PyPI instead`,
    );
  });
});

describe('without a bundle the build says so and installs as before', () => {
  test('an absent bundle: the object is named, and the verified download is used', async () => {
    const bucket = await emptyBucket();
    const { code, out, dest } = installTerraform(bucket);
    const item = terraformItem();
    expect(out).toContain(
      `tools bundle: no s3://${bucket}/${bundle.prefix}/terraform/terraform (s3://${bucket}/${bundle.prefix}/terraform/terraform: HTTP 404`,
    );
    expect(out).toContain(`; downloading terraform 1.8.5 from ${item.url} instead`);
    expect(out).toContain(`terraform 1.8.5: terraform from ${item.url} sha256:${item.sha256} matches the tools lock`);
    expect(code).toBe(0);
    expect(spawnSync(path.join(dest, 'terraform'), { encoding: 'utf8' }).stdout).toBe('genuine terraform\n');
  });

  test('an absent checkov bundle: the manifest is named, and PyPI is tried', async () => {
    const bucket = await emptyBucket();
    const { out } = installCheckov(bucket);
    expect(out).toContain(
      `tools bundle: no s3://${bucket}/${bundle.prefix}/manifest.json (s3://${bucket}/${bundle.prefix}/manifest.json: HTTP 404`,
    );
    expect(out).toContain('; installing checkov 3.3.30 from PyPI instead');
  });

  test('no bundle bucket configured', () => {
    const { code, out } = installTerraform('');
    expect(out).toContain('tools bundle: no tools bundle is configured (TFPF_TOOLS_BUNDLE_BUCKET is not set); downloading terraform 1.8.5');
    expect(code).toBe(0);
  });

  test('a bundle prefix that is not this lock digest is not used', async () => {
    const bucket = await bucketWithBundle();
    const { out } = installTerraform(bucket, { TFPF_TOOLS_BUNDLE_PREFIX: `bundles/${sha256('old lock')}` });
    expect(out).toContain(
      `tools bundle: TFPF_TOOLS_BUNDLE_PREFIX is bundles/${sha256('old lock')}, but this build's tools lock is bundles/${bundle.digest}`,
    );
  });
});

describe('the builder (build-bundle) writes only what the lock says', () => {
  test('a forged archive at the download source stops the build before anything is written', () => {
    const lib = actionLib();
    const mirror = tempDir('tfpf-bundle-mirror-');
    const forged = '#!/bin/sh\necho forged terraform\n';
    fs.writeFileSync(path.join(mirror, 'terraform'), forged);
    const out = tempDir('tfpf-bundle-built-');
    const { code, out: log } = python([path.join(lib, 'tfpf_tools.py'), 'build-bundle', out], {
      TFPF_LIB: lib,
      TFPF_TOOLS_MIRROR: `file://${mirror}`,
    });
    expect(code).toBe(1);
    expect(log).toContain(
      `terraform 1.8.5: terraform from file://${mirror}/terraform has sha256:${sha256(forged)}, but the tools lock says sha256:${terraformItem().sha256}; refusing to install it`,
    );
    expect(fs.readdirSync(out)).toEqual([]);
  });

  test('a build started for another lock digest refuses to run', () => {
    const lib = actionLib();
    const out = tempDir('tfpf-bundle-built-');
    const { code, out: log } = python([path.join(lib, 'tfpf_tools.py'), 'build-bundle', out], {
      TFPF_LIB: lib,
      TFPF_LOCK_DIGEST: sha256('another lock'),
    });
    expect(code).toBe(1);
    expect(log).toContain(
      `this build was started for lock digest ${sha256('another lock')}, but the project's buildspec carries ${bundle.digest}`,
    );
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
