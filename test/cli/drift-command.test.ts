import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/output';
import { SHIPPED_CONFIG_DIR } from '../support/config-files';
import { tempDir } from '../runner/harness';

// `tfpf drift` exit codes: 2 means drift, so every error (usage, configuration, setup) is 1. The drift checks
// themselves run with real terraform in test/runner/drift.test.ts.

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s) };
  const code = await main(['node', 'tfpf', ...args], io);
  return { code, out: out.join(''), err: err.join('') };
}

test('an unknown option exits 1, not 2', async () => {
  const result = await run('drift', '--bogus');
  expect(result.code).toBe(1);
  expect(result.err).toContain("error: unknown option '--bogus'");
});

test('a missing --tag or --repo exits 1', async () => {
  expect(await run('drift', '--repo', '.', '--config', SHIPPED_CONFIG_DIR)).toEqual({
    code: 1,
    out: '',
    err: 'tfpf drift: --tag (the last applied release) and --repo are required',
  });
});

test('an invalid configuration exits 1', async () => {
  const dir = tempDir('tfpf-drift-config-');
  fs.writeFileSync(path.join(dir, 'factory.yaml'), 'repository: [x]\n');
  const result = await run('drift', '--tag', 'dev_us-east-1/research/1.0', '--repo', '.', '--config', dir);
  expect(result.code).toBe(1);
  expect(result.err).toMatch(/^tfpf: invalid configuration/);
});

test('a state key without an applied release exits 1 and says what to do', async () => {
  const dataDir = tempDir('tfpf-drift-data-');
  const result = await run(
    'drift',
    '--tag',
    'dev_us-east-1/research/1.0',
    '--repo',
    '.',
    '--config',
    SHIPPED_CONFIG_DIR,
    '--data-dir',
    dataDir,
  );
  expect(result).toEqual({
    code: 1,
    out: '',
    err: `tfpf drift: no release of research/dev-us-east-1/terraform.tfstate was applied from ${dataDir}: a drift check plans the last applied release (tfpf run --tag dev_us-east-1/research/1.0 --repo <dir> --approve first)`,
  });
});
