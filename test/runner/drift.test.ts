import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startMotoServer, type MotoServer } from '../../src/local/moto-server';
import { MotoAws, runDrift, type DriftResult } from '../../src/runner';
import { CapturedIo, defaultConfig, fixture, run, tempDir } from './harness';

// tfpf drift through the real runner: the plan buildspec in drift mode (TFPF_MODE=drift) with real terraform
// against the state a real apply left on moto; then the state is changed behind Terraform's back.

jest.setTimeout(900_000);

const TAG = 'dev_us-east-1/research/1.0';
const BUCKET = 'acme-tfstate-dev';
const LOCK_TABLE = 'acme-tfstate-lock-dev';
const KEY = 'research/dev-us-east-1/terraform.tfstate';

let moto: MotoServer;
let aws: MotoAws;
let dataDir: string;
let applyExit: number;

beforeAll(async () => {
  moto = await startMotoServer();
  aws = new MotoAws(moto.endpoint, 'us-east-1');
  dataDir = tempDir('tfpf-drift-');
  const applied = await run({
    config: defaultConfig(),
    tag: TAG,
    repo: fixture('plan-changes'),
    approve: true,
    dataDir,
    state: { kind: 'moto-endpoint', endpoint: moto.endpoint },
  });
  applyExit = applied.result.exitCode;
});

afterAll(async () => {
  await moto?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function lockItems(): Promise<Record<string, string>[]> {
  try {
    return await aws.scan(LOCK_TABLE);
  } catch {
    return []; // S3 lockfile: no table
  }
}

/** Runs a drift check while watching the state lock (bounded by the check's own timeout). */
async function drift(
  now: number,
  options: { tag?: string; repo?: string } = {},
): Promise<{ result: DriftResult; io: CapturedIo; locks: string[] }> {
  const io = new CapturedIo();
  const pending = runDrift(
    {
      config: defaultConfig(),
      tag: options.tag ?? TAG,
      repo: options.repo ?? fixture('plan-changes'),
      dataDir,
      state: { kind: 'moto-endpoint', endpoint: moto.endpoint },
      timeoutMinutes: 10,
      now: () => now,
    },
    io,
  );
  let done = false;
  const finished = (): void => {
    done = true;
  };
  pending.then(finished, finished);
  const locks: string[] = [];
  const deadline = Date.now() + 600_000;
  while (!done && Date.now() < deadline) {
    for (const item of await lockItems()) {
      if (item.LockID === `${BUCKET}/${KEY}`) locks.push(item.Info ?? '(no info)');
    }
    for (const object of await aws.listObjects(BUCKET)) {
      if (object === `${KEY}.tflock`) locks.push(object);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { result: await pending, io, locks };
}

/** Changes the applied state as a change outside Terraform would: `queue` gone, `network`'s cidr different. */
async function driftTheState(): Promise<void> {
  const state = JSON.parse(((await aws.getObject(BUCKET, KEY)) as Buffer).toString('utf8'));
  state.resources = state.resources.filter((r: { name: string }) => r.name !== 'queue');
  const network = state.resources.find((r: { name: string }) => r.name === 'network');
  for (const attribute of ['input', 'output'])
    network.instances[0].attributes[attribute].value.cidr = '10.9.0.0/16';
  state.serial += 1;
  const body = Buffer.from(JSON.stringify(state, null, 2));
  await aws.putObject(BUCKET, KEY, body);
  // DynamoDB locking keeps the state's MD5 next to the lock; Terraform refuses a state that disagrees with it.
  if ((await lockItems()).some((item) => item.LockID === `${BUCKET}/${KEY}-md5`)) {
    await aws.putItem(LOCK_TABLE, {
      LockID: `${BUCKET}/${KEY}-md5`,
      Digest: createHash('md5').update(body).digest('hex'),
    });
  }
}

describe('an applied release whose state is unchanged', () => {
  let outcome: Awaited<ReturnType<typeof drift>>;
  let stateBefore: Buffer | undefined;
  let stateAfter: Buffer | undefined;

  beforeAll(async () => {
    stateBefore = await aws.getObject(BUCKET, KEY);
    outcome = await drift(1_800_000_000_000);
    stateAfter = await aws.getObject(BUCKET, KEY);
  });

  test('the release was applied first', () => {
    expect(applyExit).toBe(0);
    expect(stateBefore).toBeDefined();
  });

  test('shows no drift: exit 0 and a record with drifted false, zero counts, no driftedSince', () => {
    expect(outcome.result.exitCode).toBe(0);
    expect(outcome.io.lines).toContain(`no drift: ${KEY} matches ${TAG}`);
    const record = JSON.parse(fs.readFileSync(outcome.result.recordFile as string, 'utf8'));
    expect(record).toEqual({
      pk: 'drift#dev#us-east-1#research',
      kind: 'drift',
      environment: 'dev',
      scope: 'us-east-1',
      team: 'research',
      stateKey: KEY,
      tag: TAG,
      commit: expect.stringMatching(/^[0-9a-f]{40,64}$/),
      checkedAt: 1_800_000_000_000,
      drifted: false,
      add: 0,
      change: 0,
      destroy: 0,
      buildId: `tfpf-dev-drift:${outcome.result.runId}`,
    });
    expect(outcome.result.recordFile).toBe(path.join(dataDir, 'drift', 'dev', 'us-east-1', 'research.json'));
  });

  test('ran the plan buildspec in drift mode with -detailed-exitcode, without the lock and without an artifact', () => {
    const log = fs.readFileSync(path.join(outcome.result.runDir, 'plan', 'build.log'), 'utf8');
    expect(log).toContain('mode: drift');
    expect(log).toContain('DRIFT_STATUS=none (0 to add, 0 to change, 0 to destroy)');
    expect(outcome.result.build?.exportedVariables).toMatchObject({
      DRIFT_STATUS: 'none',
      DRIFT_ADD: '0',
      DRIFT_CHANGE: '0',
      DRIFT_DESTROY: '0',
      PLAN_DIGEST: 'none',
    });
    expect(outcome.result.build?.artifacts).toEqual([]);
    expect(fs.existsSync(path.join(outcome.result.runDir, 'plan', 'artifacts'))).toBe(false);
    expect(outcome.locks).toEqual([]);
  });

  test('wrote no state', () => {
    expect(stateAfter?.equals(stateBefore as Buffer)).toBe(true);
  });
});

describe('the same release after the state changed behind Terraform', () => {
  let first: Awaited<ReturnType<typeof drift>>;
  let second: Awaited<ReturnType<typeof drift>>;
  let stateBefore: Buffer | undefined;

  beforeAll(async () => {
    await driftTheState();
    stateBefore = await aws.getObject(BUCKET, KEY);
    first = await drift(1_800_000_100_000);
    second = await drift(1_800_000_200_000);
  });

  // queue is added again; network changes back to its code's cidr, and service, which reads network's output, with it.
  test('shows drift: exit 2 with the counts of the plan', () => {
    expect(first.result.exitCode).toBe(2);
    expect(first.io.lines).toContain(
      `DRIFT ${KEY}: the plan of ${TAG} shows 1 to add, 2 to change, 0 to destroy (drifted since 2027-01-15T08:01:40.000Z)`,
    );
    expect(first.result.record).toMatchObject({
      drifted: true,
      driftedSince: 1_800_000_100_000,
      checkedAt: 1_800_000_100_000,
      add: 1,
      change: 2,
      destroy: 0,
    });
    expect(first.result.build?.exportedVariables).toMatchObject({
      DRIFT_STATUS: 'drifted',
      DRIFT_ADD: '1',
      DRIFT_CHANGE: '2',
      DRIFT_DESTROY: '0',
    });
    expect(first.locks).toEqual([]);
  });

  test('a later check keeps driftedSince from the first check that found the drift', () => {
    expect(second.result.exitCode).toBe(2);
    const record = JSON.parse(fs.readFileSync(second.result.recordFile as string, 'utf8'));
    expect(record).toMatchObject({
      drifted: true,
      checkedAt: 1_800_000_200_000,
      driftedSince: 1_800_000_100_000,
    });
  });

  test('wrote no state', async () => {
    expect((await aws.getObject(BUCKET, KEY))?.equals(stateBefore as Buffer)).toBe(true);
  });
});

describe('refused before anything runs', () => {
  test('a release that is not the one applied to the state key', async () => {
    const error = await drift(1, { tag: 'dev_us-east-1/research/1.1' }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /^the release last applied to research\/dev-us-east-1\/terraform\.tfstate is dev_us-east-1\/research\/1\.0 \(run \d{8}-\d{6}-[0-9a-f]{4}\), not dev_us-east-1\/research\/1\.1: drift is checked against the applied release$/,
    );
  });

  test('a repository at another commit than the applied release', async () => {
    // A copy outside git: its commit is its content hash, not the git HEAD the release was applied from.
    const copy = tempDir('tfpf-drift-copy-');
    fs.cpSync(fixture('plan-changes'), copy, { recursive: true });
    const error = await drift(1, { repo: copy }).catch((e: Error) => e);
    fs.rmSync(copy, { recursive: true, force: true });
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^--repo \/.* is at [0-9a-f]{12}, but dev_us-east-1\/research\/1\.0 was applied from [0-9a-f]{12} \(run .*\): check out the applied release$/,
    );
  });

  test('a state key with no applied release', async () => {
    const error = await drift(1, { tag: 'dev_us-east-1/risk/1.0' }).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `no release of risk/dev-us-east-1/terraform.tfstate was applied from ${dataDir}: a drift check plans the last applied release (tfpf run --tag dev_us-east-1/risk/1.0 --repo <dir> --approve first)`,
    );
  });
});
