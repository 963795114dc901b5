import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/output';
import type { ToolsConfig } from '../../src/config';
import {
  checkovRequirementsTxt,
  lockDigest,
  lockTools,
  parseLock,
  readLockFile,
  ToolsLockError,
  type ToolsLock,
} from '../../src/tools';
import { writeConfigDir } from '../support/config-files';
import { makeMirror, makeTestKey, RELEASES_IN_MIRROR, sha256, type Mirror, type TestKey } from './mirror';

const TOOLS: ToolsConfig = {
  engine: 'terraform',
  terraform: '1.12.2',
  tflint: '0.64.0',
  tfsec: '1.28.14',
  checkov: '3.3.30',
};
const release = (dir: string) =>
  RELEASES_IN_MIRROR.find((r) => r.dir === dir) as (typeof RELEASES_IN_MIRROR)[number];

let key: TestKey;
let otherKey: TestKey;
beforeAll(async () => {
  [key, otherKey] = await Promise.all([makeTestKey(), makeTestKey('not the signer')]);
});

const lockWith = (mirror: Mirror, tools: ToolsConfig = TOOLS, signer: TestKey = key): Promise<ToolsLock> =>
  lockTools(tools, [], {
    mirror: mirror.url,
    testKey: { armored: signer.publicKey, fingerprint: signer.fingerprint, owner: 'the test key' },
  });

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ToolsLockError) return error.message;
    throw error;
  }
  throw new Error('expected the lock to be refused');
}

describe('tfpf tools lock against a file:// mirror', () => {
  test('GIVEN a good mirror WHEN locking THEN every archive digest comes from the verified checksum file', async () => {
    const mirror = await makeMirror(key);
    const lock = await lockWith(mirror);
    const terraform = lock.tools.terraform;
    expect(terraform?.checksums).toEqual({
      file: 'terraform_1.12.2_SHA256SUMS',
      url: 'https://releases.hashicorp.com/terraform/1.12.2/terraform_1.12.2_SHA256SUMS',
      sha256: sha256(fs.readFileSync(mirror.file('terraform/1.12.2/terraform_1.12.2_SHA256SUMS'))),
      verification: 'pgp',
      signatureUrl: 'https://releases.hashicorp.com/terraform/1.12.2/terraform_1.12.2_SHA256SUMS.sig',
      signer: key.fingerprint,
    });
    expect(terraform?.platforms.linux_arm64).toEqual({
      file: 'terraform_1.12.2_linux_arm64.zip',
      url: 'https://releases.hashicorp.com/terraform/1.12.2/terraform_1.12.2_linux_arm64.zip',
      sha256: sha256(fs.readFileSync(mirror.file('terraform/1.12.2/terraform_1.12.2_linux_arm64.zip'))),
      format: 'zip',
      binary: 'terraform',
    });
    expect(lock.tools.tfsec.platforms.linux_amd64).toMatchObject({
      file: 'tfsec-linux-amd64',
      format: 'binary',
      binary: 'tfsec',
    });
    expect(lock.tools.tflint.checksums.verification).toBe('https');
    expect(lock.tools.opentofu).toBeUndefined();
    expect(lock.digest).toBe(lockDigest(lock));
  });

  test('the checkov requirement set pins every transitive wheel, one hash per platform wheel', async () => {
    const mirror = await makeMirror(key);
    const { checkov } = (await lockWith(mirror)).tools;
    const wheel = (name: string): string => sha256(fs.readFileSync(mirror.file(`pypi/${name}`)));
    expect(checkov).toEqual({
      version: '3.3.30',
      python: '3.12',
      requirements: [
        { name: 'checkov', version: '3.3.30', sha256: [wheel('checkov-3.3.30-py3-none-any.whl')] },
        {
          name: 'fast-thing',
          version: '2.1.0',
          // the cp311 wheel is not for the scanners' Python 3.12, so it is not accepted
          sha256: [
            wheel('fast_thing-2.1.0-cp312-cp312-manylinux_2_17_aarch64.whl'),
            wheel('fast_thing-2.1.0-cp312-cp312-manylinux_2_17_x86_64.whl'),
          ].sort(),
        },
        { name: 'tiny-dep', version: '1.0.0', sha256: [wheel('tiny_dep-1.0.0-py3-none-any.whl')] },
      ],
    });
    expect(checkovRequirementsTxt(checkov).split('\n')[0]).toBe(
      `checkov==3.3.30 --hash=sha256:${wheel('checkov-3.3.30-py3-none-any.whl')}`,
    );
  });

  test('the OpenTofu engine is locked from its armored .gpgsig, and terraform is not locked', async () => {
    const mirror = await makeMirror(key);
    const lock = await lockWith(mirror, { ...TOOLS, engine: 'opentofu', opentofu: '1.10.6' });
    expect(lock.tools.terraform).toBeUndefined();
    expect(lock.tools.opentofu?.checksums).toMatchObject({
      verification: 'pgp',
      signatureUrl:
        'https://github.com/opentofu/opentofu/releases/download/v1.10.6/tofu_1.10.6_SHA256SUMS.gpgsig',
      signer: key.fingerprint,
    });
    expect(lock.tools.opentofu?.platforms.linux_amd64.binary).toBe('tofu');
  });

  test('pinned tflint plugins are locked with their source', async () => {
    const mirror = await makeMirror(key);
    const lock = await lockTools(
      TOOLS,
      [{ name: 'aws', version: '0.40.0', source: 'github.com/terraform-linters/tflint-ruleset-aws' }],
      {
        mirror: mirror.url,
        testKey: { armored: key.publicKey, fingerprint: key.fingerprint, owner: 'test' },
      },
    );
    expect(lock.tflintPlugins?.aws).toMatchObject({
      version: '0.40.0',
      source: 'github.com/terraform-linters/tflint-ruleset-aws',
      platforms: {
        linux_arm64: {
          file: 'tflint-ruleset-aws_linux_arm64.zip',
          url: 'https://github.com/terraform-linters/tflint-ruleset-aws/releases/download/v0.40.0/tflint-ruleset-aws_linux_arm64.zip',
          binary: 'tflint-ruleset-aws',
        },
      },
    });
  });

  // Attack: a mirror (or CDN) serving a checksum file that the vendor did not sign.
  test('a checksum file changed after signing is refused, naming the tool and the signature file', async () => {
    const mirror = await makeMirror(key);
    const sums = mirror.file('terraform/1.12.2/terraform_1.12.2_SHA256SUMS');
    fs.appendFileSync(sums, `${sha256('evil')}  terraform_1.12.2_linux_386.zip\n`);
    const message = await refusal(lockWith(mirror));
    expect(message).toContain('terraform 1.12.2: terraform_1.12.2_SHA256SUMS.sig: bad signature');
  });

  // Attack: a checksum file signed by some key other than the trusted one.
  test('a signature by another key is refused', async () => {
    const mirror = await makeMirror(otherKey);
    const message = await refusal(lockWith(mirror, TOOLS, key));
    expect(message).toMatch(
      /^terraform 1\.12\.2: terraform_1\.12\.2_SHA256SUMS\.sig: bad signature: not signed by/,
    );
  });

  // Mutation caught: a lock that skipped verification, or always used the test key, would accept this mirror.
  test('without a test key the shipped HashiCorp key is required', async () => {
    const mirror = await makeMirror(key);
    const message = await refusal(lockTools(TOOLS, [], { mirror: mirror.url }));
    expect(message).toContain(
      'terraform 1.12.2: terraform_1.12.2_SHA256SUMS.sig: bad signature: not signed by HashiCorp Security <security@hashicorp.com> (C874011F0AB405110D02105534365D9472D7468F)',
    );
  });

  // Attack: the archive is swapped but the (authentic) checksum file is left alone.
  test('an archive that does not match the checksum file is refused with both digests', async () => {
    const mirror = await makeMirror(key);
    const archive = mirror.file('tflint/v0.64.0/tflint_linux_arm64.zip');
    const listed = sha256(fs.readFileSync(archive));
    fs.writeFileSync(archive, 'not tflint');
    const message = await refusal(lockWith(mirror));
    expect(message).toBe(
      `tflint 0.64.0: tflint_linux_arm64.zip does not match checksums.txt: the download has SHA-256 ${sha256('not tflint')}, ` +
        `the checksum file says ${listed}; refusing to lock`,
    );
  });

  test('a checksum file that lacks a platform is refused', async () => {
    const mirror = await makeMirror(key);
    const sums = mirror.file('terraform/1.12.2/terraform_1.12.2_SHA256SUMS');
    const kept = fs
      .readFileSync(sums, 'utf8')
      .split('\n')
      .filter((l) => !l.includes('linux_arm64'));
    fs.writeFileSync(sums, kept.join('\n'));
    await mirror.resign(release('terraform/1.12.2'));
    const message = await refusal(lockWith(mirror));
    expect(message).toBe(
      'terraform 1.12.2: terraform_1.12.2_SHA256SUMS lists no terraform_1.12.2_linux_arm64.zip (platform linux_arm64); refusing to lock',
    );
  });

  test('a checkov version the index does not have is refused', async () => {
    const mirror = await makeMirror(key);
    const message = await refusal(lockWith(mirror, { ...TOOLS, checkov: '9.9.9' }));
    expect(message).toContain('checkov: pip could not resolve checkov==9.9.9 for CPython 3.12 linux_amd64');
  });
});

describe('the tfpf tools lock command', () => {
  async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io: CliIo = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
    return { code: await main(['node', 'tfpf', ...args], io), out, err };
  }
  const keyFile = (k: TestKey): string => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-key-')), 'test.asc');
    fs.writeFileSync(file, k.publicKey);
    return file;
  };
  afterEach(() => {
    delete process.env.TFPF_TOOLS_LOCK_TEST_KEY;
  });

  test('writes tools.lock.json next to factory.yaml; validate then refuses the test signer', async () => {
    const mirror = await makeMirror(key);
    const dir = writeConfigDir();
    fs.rmSync(path.join(dir, 'tools.lock.json'), { force: true });
    process.env.TFPF_TOOLS_LOCK_TEST_KEY = keyFile(key);
    const locked = await run('tools', 'lock', '--config', dir, '--mirror', mirror.url);
    expect(locked.code).toBe(0);
    expect(locked.err).toContain(
      `WARNING: TFPF_TOOLS_LOCK_TEST_KEY is set: signatures are checked against the test key ${key.fingerprint}`,
    );
    const text = fs.readFileSync(path.join(dir, 'tools.lock.json'), 'utf8');
    const lock = parseLock(text, 'tools.lock.json', dir);
    expect(readLockFile(dir)).toEqual(lock);
    expect(text.startsWith(`{\n  "lockVersion": 1,\n  "digest": "${lock.digest}",\n`)).toBe(true);
    expect(locked.out).toContain(`(digest ${lock.digest}): review and commit it`);

    const validated = await run('validate', '--config', dir);
    expect(validated.code).toBe(1);
    expect(validated.err).toContain(
      `tools.terraform.checksums: terraform_1.12.2_SHA256SUMS must be verified with the vendor key C874011F0AB405110D02105534365D9472D7468F; the lock says pgp by ${key.fingerprint}`,
    );
  });

  test('a refused lock exits 1 and leaves the existing lock untouched', async () => {
    const mirror = await makeMirror(otherKey);
    const dir = writeConfigDir();
    const before = fs.readFileSync(path.join(dir, 'tools.lock.json'), 'utf8');
    process.env.TFPF_TOOLS_LOCK_TEST_KEY = keyFile(key);
    const { code, err } = await run('tools', 'lock', '--config', dir, '--mirror', mirror.url);
    expect(code).toBe(1);
    expect(err).toContain('terraform 1.12.2: terraform_1.12.2_SHA256SUMS.sig: bad signature');
    expect(fs.readFileSync(path.join(dir, 'tools.lock.json'), 'utf8')).toBe(before);
  });

  test('--mirror must be https:// or file://', async () => {
    const { code, err } = await run(
      'tools',
      'lock',
      '--config',
      writeConfigDir(),
      '--mirror',
      'http://127.0.0.1:1/',
    );
    expect(code).toBe(2);
    expect(err).toContain('--mirror must be an https:// or file:// URL');
  });
});
