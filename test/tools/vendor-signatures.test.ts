import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  HASHICORP_KEY,
  lockTools,
  OPENTOFU_KEY,
  ToolsLockError,
  verifyDetached,
  type TrustedKey,
} from '../../src/tools';
import { KEYS_DIR } from '../../src/tools/vendors';
import { sha256 } from './mirror';

const FIXTURES = path.join(__dirname, 'fixtures');
const read = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const shipped = (key: typeof HASHICORP_KEY): TrustedKey => ({
  armored: fs.readFileSync(path.join(KEYS_DIR, key.file), 'utf8'),
  fingerprint: key.fingerprint,
  owner: key.owner,
});
const TF = { sums: read('terraform_1.9.8_SHA256SUMS'), sig: read('terraform_1.9.8_SHA256SUMS.sig') };
const TOFU = { sums: read('tofu_1.8.5_SHA256SUMS'), sig: read('tofu_1.8.5_SHA256SUMS.gpgsig') };

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ToolsLockError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the shipped vendor keys against real vendor signatures', () => {
  test('the fixtures are intact', () => {
    expect(sha256(TF.sums)).toBe('d13d3d14a74864332d85aa4690602b67008890d8c78166387477cbc24ec5b67d');
    expect(sha256(TOFU.sums)).toBe('4791d5c16300f1934aed0422042f7a37266a1087de81eb458a0081d9ca11ce10');
  });

  test('HashiCorp (signing subkey) and OpenTofu signatures verify with the shipped keys', async () => {
    await expect(verifyDetached(TF.sums, TF.sig, shipped(HASHICORP_KEY), 'terraform')).resolves.toBe(
      'C874011F0AB405110D02105534365D9472D7468F',
    );
    await expect(verifyDetached(TOFU.sums, TOFU.sig, shipped(OPENTOFU_KEY), 'opentofu')).resolves.toBe(
      'E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80',
    );
  });

  // Attack: one flipped digit in one archive hash, what substituting an archive needs.
  test('one changed hash, an appended byte, or the other vendor’s key is refused', async () => {
    const flipped = Buffer.from(TF.sums.toString('utf8').replace('be591e8c', 'ce591e8c'));
    expect(
      await refusal(verifyDetached(flipped, TF.sig, shipped(HASHICORP_KEY), 'terraform 1.9.8')),
    ).toContain('terraform 1.9.8: bad signature: not signed by HashiCorp Security');
    const appended = Buffer.concat([TF.sums, Buffer.from('\n')]);
    await expect(verifyDetached(appended, TF.sig, shipped(HASHICORP_KEY), 't')).rejects.toThrow(
      'bad signature',
    );
    await expect(verifyDetached(TF.sums, TF.sig, shipped(OPENTOFU_KEY), 't')).rejects.toThrow(
      'not signed by OpenTofu <core@opentofu.org> (E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80)',
    );
  });

  // Attack: a key file swapped in the repository for one the attacker controls.
  test('a key file whose fingerprint is not the documented one is refused before any signature is checked', async () => {
    const swapped = { ...shipped(OPENTOFU_KEY), fingerprint: HASHICORP_KEY.fingerprint };
    expect(await refusal(verifyDetached(TOFU.sums, TOFU.sig, swapped, 'opentofu'))).toBe(
      `opentofu: key fingerprint is ${OPENTOFU_KEY.fingerprint}, expected ${HASHICORP_KEY.fingerprint}`,
    );
  });

  test('tfpf tools lock verifies a real HashiCorp checksum file with the shipped key, then checks the archive', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-real-sums-'));
    const dir = path.join(root, 'terraform', '1.9.8');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'terraform_1.9.8_SHA256SUMS'), TF.sums);
    fs.writeFileSync(path.join(dir, 'terraform_1.9.8_SHA256SUMS.sig'), TF.sig);
    fs.writeFileSync(path.join(dir, 'terraform_1.9.8_linux_amd64.zip'), 'not the real archive');
    const tools = {
      engine: 'terraform' as const,
      terraform: '1.9.8',
      tflint: '0.64.0',
      tfsec: '1.28.14',
      checkov: '3.3.30',
    };
    const logged: string[] = [];
    const message = await refusal(
      lockTools(tools, [], { mirror: pathToFileURL(root).href, log: (l) => logged.push(l) }),
    );
    expect(logged[0]).toBe(
      'terraform 1.9.8: terraform_1.9.8_SHA256SUMS signature verified (key C874011F0AB405110D02105534365D9472D7468F)',
    );
    expect(message).toBe(
      `terraform 1.9.8: terraform_1.9.8_linux_amd64.zip does not match terraform_1.9.8_SHA256SUMS: the download has SHA-256 ${sha256('not the real archive')}, ` +
        'the checksum file says 186e0145f5e5f2eb97cbd785bc78f21bae4ef15119349f6ad4fa535b83b10df8; refusing to lock',
    );
  });
});
