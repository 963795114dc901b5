import * as fs from 'node:fs';
import * as path from 'node:path';
import { startMotoServer, type MotoServer } from '../../src/local/moto-server';
import { toolsBinDir } from '../../src/local/project-paths';
import { MotoAws } from '../../src/runner';
import { actionLog, defaultConfig, fixture, run, tempDir } from './harness';

// OpenTofu (built by scripts/install-tools like every other tool) supports the S3 native lockfile, the default
// config's locking. Never skipped: a missing tofu is a failing install, not a reason to test less.

test('OpenTofu is installed', () => {
  expect(fs.existsSync(path.join(toolsBinDir(), 'tofu'))).toBe(true);
});
const describeTofu = describe;

jest.setTimeout(600_000);

describeTofu('OpenTofu with locking: s3-lockfile', () => {
  let moto: MotoServer;
  let dataDir: string;
  beforeAll(async () => {
    moto = await startMotoServer();
    dataDir = tempDir('tfpf-tofu-');
  });
  afterAll(async () => {
    await moto?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('the .tflock object exists while apply runs and is gone after; the state is written', async () => {
    const aws = new MotoAws(moto.endpoint, 'us-east-1');
    const key = 'research/dev-us-east-1/terraform.tfstate';
    const pending = run({
      config: defaultConfig(),
      tag: 'dev_us-east-1/research/1.0',
      repo: fixture('plan-changes'),
      approve: true,
      dataDir,
      engine: 'opentofu',
      state: { kind: 'moto-endpoint', endpoint: moto.endpoint },
    });
    let done = false;
    void pending.finally(() => {
      done = true;
    });
    const locks: string[] = [];
    const deadline = Date.now() + 300_000;
    while (!done && Date.now() < deadline) {
      const body = await aws.getObject('acme-tfstate-dev', `${key}.tflock`).catch(() => undefined);
      if (body !== undefined) locks.push(body.toString('utf8'));
      await new Promise((r) => setTimeout(r, 100));
    }
    const { result, io } = await pending;
    expect(result.exitCode).toBe(0);
    expect(io.text()).toContain('locking  s3-lockfile');
    expect(actionLog(result, 'apply')).toContain('locking s3-lockfile');
    expect(locks.some((l) => JSON.parse(l).Operation === 'OperationTypeApply')).toBe(true);
    expect(await aws.getObject('acme-tfstate-dev', `${key}.tflock`)).toBeUndefined();
    const state = JSON.parse(((await aws.getObject('acme-tfstate-dev', key)) as Buffer).toString('utf8'));
    expect(state.serial).toBe(1);
  });
});
