import * as fs from 'node:fs';
import * as path from 'node:path';
import { actionLog, defaultConfig, example, run, tempDir } from './harness';

// The default backend: each run starts its own moto server; state objects are saved under <data-dir>/state at the
// end of a run and restored at the start of the next one.

jest.setTimeout(600_000);

let dataDir: string;
beforeAll(() => {
  dataDir = tempDir('tfpf-persist-');
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

test('state survives between runs: the same release again plans no changes', async () => {
  const tag = 'dev_eu-central-1/research/1.0';
  const first = await run({ config: defaultConfig(), tag, repo: example(), approve: true, dataDir });
  expect(first.result.exitCode).toBe(0);
  const saved = path.join(
    dataDir,
    'state',
    'acme-tfstate-dev',
    'research',
    'dev-eu-central-1',
    'terraform.tfstate',
  );
  expect(JSON.parse(fs.readFileSync(saved, 'utf8')).serial).toBe(1);
  expect(fs.existsSync(path.join(dataDir, 'state', '.lock'))).toBe(false);

  const second = await run({ config: defaultConfig(), tag, repo: example(), approve: false, dataDir });
  expect(second.io.text()).toContain('1 state object(s) restored');
  expect(second.result.planExports?.PLAN_SUMMARY).toBe(`${tag}: no changes; flags: none`);
  expect(actionLog(second.result, 'plan')).toContain(
    'No changes. Your infrastructure matches the configuration.',
  );
});

test('a run id that does not exist cannot be resumed', async () => {
  await expect(run({ resume: '20200101-000000-abcd', approve: true, dataDir })).rejects.toThrow(
    /no run 20200101-000000-abcd/,
  );
});
