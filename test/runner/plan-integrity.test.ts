import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startMotoServer, type MotoServer } from '../../src/local/moto-server';
import { MotoAws } from '../../src/runner';
import { actionLog, actionStatus, defaultConfig, fixture, run, tempDir } from './harness';

// What is approved is what is applied: each test is an attack that the buildspecs before the plan digest, the
// authoritative release values and the read-only plan let through. Real terraform 1.8.5, S3 state on moto.

jest.setTimeout(600_000);

let moto: MotoServer;
let aws: MotoAws;
let dataDir: string;
const BUCKET = 'acme-tfstate-dev';

beforeAll(async () => {
  moto = await startMotoServer();
  aws = new MotoAws(moto.endpoint, 'us-east-1');
  dataDir = tempDir('tfpf-integrity-');
});

afterAll(async () => {
  await moto?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function release(tag: string, repo: string, options: { approve?: boolean; resume?: string } = {}) {
  return run({
    config: defaultConfig(),
    ...(options.resume !== undefined ? { resume: options.resume } : { tag, repo }),
    approve: options.approve ?? false,
    dataDir,
    state: { kind: 'moto-endpoint', endpoint: moto.endpoint },
  });
}

function planArtifacts(runDir: string): string {
  return path.join(runDir, 'plan', 'artifacts');
}

/** A copy of a fixture with extra files, as another team member's branch would have it. */
function variant(name: string, files: Record<string, string>): string {
  const dir = tempDir(`tfpf-${name}-`);
  fs.cpSync(fixture(name), dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('a plan swapped after approval', () => {
  test('is refused before init, naming both digests; the state is untouched', async () => {
    const key = 'research/dev-eu-central-1/terraform.tfstate';
    // Release A waits for approval; release B's plan build (repo code) replaces A's tfplan with its own.
    const a = await release('dev_eu-central-1/research/1.0', fixture('plan-changes'));
    expect(a.result.approval).toBe('waiting');
    const b = await release(
      'dev_eu-central-1/research/1.1',
      variant('plan-changes', {
        'regional/extra.tf': 'resource "terraform_data" "foreign" {\n  input = "planted"\n}\n',
      }),
    );
    expect(b.result.approval).toBe('waiting');
    fs.copyFileSync(
      path.join(planArtifacts(b.result.runDir), 'tfplan'),
      path.join(planArtifacts(a.result.runDir), 'tfplan'),
    );

    const applied = await release('', '', { resume: a.result.runId, approve: true });
    expect(actionStatus(applied.result).apply).toBe('FAILED');
    const log = actionLog(applied.result, 'apply');
    const digest = a.result.planExports?.PLAN_DIGEST as string;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(log).toMatch(
      new RegExp(
        `plan artifact digest mismatch: the artifact has sha256:[0-9a-f]{64}, the plan action exported sha256:${digest}`,
      ),
    );
    expect(log).not.toContain('terraform init');
    expect(log).not.toContain('Initializing the backend');
    expect(await aws.getObject(BUCKET, key)).toBeUndefined();
  });

  test('the approval output shows the digest, and an untouched artifact applies', async () => {
    const a = await release('dev_ap-southeast-1/research/1.0', fixture('plan-changes'));
    const digest = a.result.planExports?.PLAN_DIGEST as string;
    expect(actionLog(a.result, 'plan')).toContain(`plan artifact digest: sha256:${digest}`);
    expect(a.io.text()).toContain(`To apply exactly this plan (digest sha256:${digest}):`);
    const applied = await release('', '', { resume: a.result.runId, approve: true });
    expect(actionStatus(applied.result).apply).toBe('SUCCEEDED');
    expect(actionLog(applied.result, 'apply')).toContain(`plan artifact verified: sha256:${digest}`);
  });
});

describe('repo tfvars that try to retarget a release', () => {
  test('the release region wins, and the repo value is reported naming the file', async () => {
    const repo = variant('plan-changes', {
      'vars/common.tfvars': 'owner = "platform"\nregion = "eu-west-3"\n',
    });
    const { result } = await release('dev_us-east-1/risk/1.0', repo);
    expect(actionStatus(result).plan).toBe('SUCCEEDED');
    const artifacts = planArtifacts(result.runDir);
    const plan = JSON.parse(fs.readFileSync(path.join(artifacts, 'plan.json'), 'utf8'));
    expect(plan.variables.region.value).toBe('us-east-1');
    const summary = JSON.parse(fs.readFileSync(path.join(artifacts, 'summary.json'), 'utf8'));
    expect(summary.repo_overrides).toEqual([
      { file: 'vars/common.tfvars', variable: 'region', repo_value: 'eu-west-3', release_value: 'us-east-1' },
    ]);
    expect(result.planExports?.PLAN_OVERRIDES).toBe('1');
    expect(actionLog(result, 'plan')).toContain(
      'WARNING: vars/common.tfvars sets region = "eu-west-3"; the release value "us-east-1" is used',
    );
    expect(fs.readFileSync(path.join(artifacts, 'summary.md'), 'utf8')).toContain(
      '`vars/common.tfvars` sets `region = "eu-west-3"`',
    );
  });

  test('an *.auto.tfvars in the root cannot change the account either', async () => {
    const repo = variant('plan-changes', { 'regional/zz.auto.tfvars': 'account = "999999999999"\n' });
    const { result } = await release('dev_us-east-1/research/2.0', repo);
    const plan = JSON.parse(fs.readFileSync(path.join(planArtifacts(result.runDir), 'plan.json'), 'utf8'));
    expect(plan.variables.account.value).toBe('111111111111');
    expect(result.planExports?.PLAN_OVERRIDES).toBe('1');
  });
});

describe('the plan reads state and never locks or writes it', () => {
  test('a plan runs while another release holds the lock, and leaves lock and state as they were', async () => {
    const key = 'risk/dev-ap-southeast-1/terraform.tfstate';
    const table = 'acme-tfstate-lock-dev';
    const lockId = `${BUCKET}/${key}`;
    await aws.ensureLockTable(table);
    await aws.putItem(table, { LockID: lockId, Info: '{"ID":"held-by-another-apply"}' });
    const { result } = await release('dev_ap-southeast-1/risk/1.0', fixture('plan-changes'));
    expect(actionStatus(result).plan).toBe('SUCCEEDED');
    expect(actionLog(result, 'plan')).not.toContain('Acquiring state lock');
    expect(await aws.scan(table)).toContainEqual({ LockID: lockId, Info: '{"ID":"held-by-another-apply"}' });
    expect(await aws.getObject(BUCKET, key)).toBeUndefined();
    await aws.deleteLockItem(table, lockId);
  });
});

describe('a state replaced between plan and apply', () => {
  test('a state of another lineage (same serial) is refused as stale; the state is left as it was', async () => {
    const key = 'risk/dev-eu-central-1/terraform.tfstate';
    const first = await release('dev_eu-central-1/risk/1.0', fixture('plan-changes'), { approve: true });
    expect(actionStatus(first.result).apply).toBe('SUCCEEDED');
    const second = await release('dev_eu-central-1/risk/1.1', fixture('plan-changes'));
    const before = JSON.parse((await aws.getObject(BUCKET, key))?.toString('utf8') as string);
    // Someone restores another state file at the same serial: only the lineage tells them apart.
    const replaced = { ...before, lineage: '00000000-0000-0000-0000-000000000000' };
    const body = Buffer.from(JSON.stringify(replaced));
    await aws.putObject(BUCKET, key, body);
    // ... with the state digest the S3 backend keeps beside the DynamoDB lock, as a restore would leave it.
    const md5 = createHash('md5').update(body).digest('hex');
    await aws.putItem('acme-tfstate-lock-dev', { LockID: `${BUCKET}/${key}-md5`, Digest: md5 });
    const applied = await release('', '', { resume: second.result.runId, approve: true });
    expect(actionStatus(applied.result).apply).toBe('FAILED');
    expect(actionLog(applied.result, 'apply')).toContain(
      `stale plan: state lineage ${before.lineage} changed to 00000000-0000-0000-0000-000000000000 since the plan`,
    );
    const after = JSON.parse((await aws.getObject(BUCKET, key))?.toString('utf8') as string);
    expect(after).toEqual(replaced);
  });
});
