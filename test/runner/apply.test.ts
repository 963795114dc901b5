import * as fs from 'node:fs';
import * as path from 'node:path';
import { startMotoServer, type MotoServer } from '../../src/local/moto-server';
import { MotoAws } from '../../src/runner';
import { actionLog, actionStatus, defaultConfig, example, fixture, run, tempDir } from './harness';

// Apply through the real runner: terraform 1.8.5 with the S3 backend on one moto server (DynamoDB locking).

jest.setTimeout(600_000);

let moto: MotoServer;
let aws: MotoAws;
let dataDir: string;
const BUCKET = 'acme-tfstate-dev';
const LOCK_TABLE = 'acme-tfstate-lock-dev';

beforeAll(async () => {
  moto = await startMotoServer();
  aws = new MotoAws(moto.endpoint, 'us-east-1');
  dataDir = tempDir('tfpf-apply-');
});

afterAll(async () => {
  await moto?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function release(tag: string, repo: string, approve: boolean) {
  return run({
    config: defaultConfig(),
    tag,
    repo,
    approve,
    dataDir,
    state: { kind: 'moto-endpoint', endpoint: moto.endpoint },
  });
}

async function state(
  key: string,
): Promise<{ serial: number; lineage: string; resources: { name: string }[] } | undefined> {
  const body = await aws.getObject(BUCKET, key);
  return body === undefined ? undefined : JSON.parse(body.toString('utf8'));
}

describe('plan-changes fixture with --approve', () => {
  const key = 'research/dev-us-east-1/terraform.tfstate';
  const lockId = `${BUCKET}/${key}`;
  let observed: { info: string }[] = [];
  let outcome: Awaited<ReturnType<typeof release>>;

  beforeAll(async () => {
    const pending = release('dev_us-east-1/research/1.0', fixture('plan-changes'), true);
    let done = false;
    void pending.finally(() => {
      done = true;
    });
    // Watch the lock table while the run goes on (bounded: the run itself has a timeout).
    const deadline = Date.now() + 300_000;
    while (!done && Date.now() < deadline) {
      try {
        for (const item of await aws.scan(LOCK_TABLE)) {
          if (item.LockID === lockId && item.Info) observed.push({ info: item.Info });
        }
      } catch {
        // the table is created when the run starts
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    outcome = await pending;
    observed = observed.filter((o) => o.info.includes('OperationTypeApply'));
  });

  test('every stage passes and the plan counted 4 additions', () => {
    expect(outcome.result.exitCode).toBe(0);
    expect(actionStatus(outcome.result)).toEqual({
      tflint: 'SUCCEEDED',
      checkov: 'SUCCEEDED',
      tfsec: 'SUCCEEDED',
      plan: 'SUCCEEDED',
      apply: 'SUCCEEDED',
    });
    expect(outcome.result.planExports).toMatchObject({
      PLAN_ADD: '4',
      PLAN_DESTROY: '0',
      PLAN_FLAGS: 'none',
    });
    expect(outcome.io.text()).toMatch(/Approval\s+manual\s+APPROVED \(--approve\)/);
  });

  test('the state object is written at research/dev-us-east-1/terraform.tfstate in acme-tfstate-dev', async () => {
    const current = await state(key);
    expect(current?.serial).toBe(1);
    expect(current?.resources.map((r) => r.name).sort()).toEqual(['network', 'queue', 'service', 'worker']);
  });

  test('the DynamoDB lock was held during apply and released after', async () => {
    expect(observed.length).toBeGreaterThan(0);
    expect(JSON.parse(observed[0]?.info as string)).toMatchObject({
      Operation: 'OperationTypeApply',
      Path: lockId,
    });
    const left = (await aws.scan(LOCK_TABLE)).map((i) => i.LockID);
    expect(left).not.toContain(lockId);
    expect(left).toContain(`${lockId}-md5`); // Terraform's state digest stays
  });

  test('the apply ran with the apply role and checked the state first', () => {
    const log = actionLog(outcome.result, 'apply');
    expect(log).toContain('assumes arn:aws:iam::111111111111:role/tfpf-dev-apply');
    expect(log).toContain('state unchanged since the plan (serial 0, lineage (none))');
    expect(log).toContain('Apply complete! Resources: 4 added, 0 changed, 0 destroyed.');
  });

  test('a second release of the same version is a no-op plan and leaves the state as it was', async () => {
    const before = await aws.getObject(BUCKET, key);
    const again = await release('dev_us-east-1/research/1.0', fixture('plan-changes'), true);
    expect(again.result.exitCode).toBe(0);
    expect(again.result.planExports).toMatchObject({
      PLAN_ADD: '0',
      PLAN_CHANGE: '0',
      PLAN_DESTROY: '0',
      PLAN_REPLACE: '0',
      PLAN_SUMMARY: 'dev_us-east-1/research/1.0: no changes; flags: none',
    });
    expect((await aws.getObject(BUCKET, key))?.equals(before as Buffer)).toBe(true);
  });
});

describe('destroy fixture', () => {
  test('the plan of v2 after v1 counts and flags the destroy and the replacement', async () => {
    const first = await release('dev_eu-central-1/research/1.0', fixture('destroy/v1'), true);
    expect(first.result.exitCode).toBe(0);
    const applied = await state('research/dev-eu-central-1/terraform.tfstate');
    const second = await release('dev_eu-central-1/research/2.0', fixture('destroy/v2'), false);
    expect(second.result.exitCode).toBe(0);
    expect(second.result.approval).toBe('waiting');
    expect(second.result.planExports).toMatchObject({
      PLAN_ADD: '0',
      PLAN_CHANGE: '0',
      PLAN_DESTROY: '1',
      PLAN_REPLACE: '1',
      PLAN_FLAGS: 'DESTROY',
    });
    const summary = JSON.parse(
      fs.readFileSync(path.join(second.result.runDir, 'plan', 'artifacts', 'summary.json'), 'utf8'),
    );
    expect(summary.changes).toEqual([
      { address: 'terraform_data.recreated', type: 'terraform_data', action: 'replace', flags: ['DESTROY'] },
      { address: 'terraform_data.retired', type: 'terraform_data', action: 'destroy', flags: ['DESTROY'] },
    ]);
    expect(second.io.text()).toContain('- **DESTROY**: 2 resource(s)');
    // Not approved: nothing destroyed.
    expect((await state('research/dev-eu-central-1/terraform.tfstate'))?.serial).toBe(applied?.serial);
  });
});

describe('stale-plan fixture', () => {
  test('a plan approved after another release changed the state is refused, and the state is unchanged', async () => {
    const key = 'research/dev-ap-southeast-1/terraform.tfstate';
    const tag = (v: string): string => `dev_ap-southeast-1/research/${v}`;
    expect((await release(tag('1.0'), fixture('stale-plan'), true)).result.exitCode).toBe(0);
    const waiting = await release(tag('1.1'), fixture('stale-plan'), false);
    expect(waiting.result.approval).toBe('waiting');
    expect((await release(tag('1.2'), fixture('stale-plan'), true)).result.exitCode).toBe(0);
    const before = await aws.getObject(BUCKET, key);

    const resumed = await run({
      resume: waiting.result.runId,
      approve: true,
      dataDir,
      state: { kind: 'moto-endpoint', endpoint: moto.endpoint },
    });
    expect(resumed.result.exitCode).toBe(1);
    expect(resumed.result.failedStage).toBe('Apply');
    expect(resumed.io.errors).toContain('tfpf: stage Apply failed: apply');
    expect(resumed.io.text()).toContain(
      'stale plan: state serial 1 changed to 2 since the plan; re-run the release',
    );
    expect(actionLog(resumed.result, 'apply')).not.toContain('Apply complete');
    expect((await aws.getObject(BUCKET, key))?.equals(before as Buffer)).toBe(true);
  });
});

describe('global scope on the example repository', () => {
  test('dev_global/research deploys the global root with the global tfvars layer and its own state key', async () => {
    const outcome = await release('dev_global/research/1.0', example(), true);
    expect(outcome.result.exitCode).toBe(0);
    const log = actionLog(outcome.result, 'plan');
    expect(log).toContain('root module: global (scope global)');
    expect(log).toContain('var file: vars/dev/research/global.tfvars\n');
    const current = await state('research/dev-global/terraform.tfstate');
    expect(current?.resources.map((r) => r.name).sort()).toEqual(['account_baseline', 'role']);
  });
});
