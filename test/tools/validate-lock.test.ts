import * as fs from 'node:fs';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/output';
import { SHIPPED_CONFIG_DIR, shippedConfigFiles, writeConfigDir } from '../support/config-files';

async function validate(dir: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  return { code: await main(['node', 'tfpf', 'validate', '--config', dir], io), out, err };
}

describe('tfpf validate and the tools lock', () => {
  test('the shipped configuration validates with its lock; transcribed digests are warned about', async () => {
    const { code, out, err } = await validate(SHIPPED_CONFIG_DIR);
    expect(code).toBe(0);
    expect(out).toContain('is valid: 4 environments');
    expect(err).toContain(
      'tfpf: warning: tools.terraform 1.12.2: archive digests were transcribed from public copies of terraform_1.12.2_SHA256SUMS',
    );
  });

  test('a missing lock is an error naming the command that writes it', async () => {
    const dir = writeConfigDir({ 'tools.lock.json': null });
    const { code, out, err } = await validate(dir);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`tools.lock.json: no tools lock; write it with: tfpf tools lock --config ${dir}`);
  });

  // Mutation caught: bumping a tool in factory.yaml without re-locking would let builds run an unpinned version.
  test('a tool version the lock does not cover fails, naming the tool and both versions', async () => {
    const factory = shippedConfigFiles().get('factory.yaml') as string;
    const dir = writeConfigDir({ 'factory.yaml': factory.replace('tfsec: 1.28.14', 'tfsec: 1.28.15') });
    const { code, err } = await validate(dir);
    expect(code).toBe(1);
    expect(err).toContain(
      'tools.tfsec.version: factory.yaml wants tools.tfsec 1.28.15 but the lock has 1.28.14',
    );
    expect(err).toContain(`rewrite the lock with: tfpf tools lock --config ${dir}`);
  });

  test('a lock edited by hand fails on its digest', async () => {
    const lock = fs.readFileSync(`${SHIPPED_CONFIG_DIR}/tools.lock.json`, 'utf8');
    const dir = writeConfigDir({
      'tools.lock.json': lock.replace('"version": "0.64.0"', '"version": "0.64.1"'),
    });
    const { code, err } = await validate(dir);
    expect(code).toBe(1);
    expect(err).toMatch(/does not match the content/);
  });
});
