import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { projectRoot } from '../../src/local/project-paths';
import { startMotoServer, type MotoServer } from '../../src/local/moto-server';
import { MotoAws, type RunResult } from '../../src/runner';
import {
  actionLog,
  actionStatus,
  CapturedIo,
  defaultConfig,
  fixture,
  run,
  tempDir,
  type CapturedRun,
} from './harness';

const STAGE = path.join(projectRoot(), 'buildspecs', 'lib', 'tfpf_stage.py');

// Every check fixture through the real runner and the real tools (tflint, checkov, tfsec, terraform), with state
// on one moto server shared by the file. Nothing is approved here: nothing may be applied.

jest.setTimeout(900_000);

let moto: MotoServer;
let dataDir: string;
const runs: Record<string, CapturedRun> = {};
let cli: { code: number; io: CapturedIo; result?: RunResult };

const CASES: readonly (readonly [string, string])[] = [
  ['tflint-violation', 'dev_us-east-1/research/1.0'],
  ['checkov-finding', 'dev_us-east-1/research/1.0'],
  ['tfsec-finding', 'dev_us-east-1/research/1.0'],
  ['team-without-tfvars', 'dev_us-east-1/risk/1.0'],
];

beforeAll(async () => {
  moto = await startMotoServer();
  dataDir = tempDir('tfpf-checks-');
  const config = defaultConfig();
  // The clean fixture through the CLI entry point, as a user runs it.
  const io = new CapturedIo();
  const code = await main(
    [
      'node',
      'tfpf',
      'run',
      '--tag',
      'dev_us-east-1/research/1.0',
      '--repo',
      fixture('clean'),
      '--moto-endpoint',
      moto.endpoint,
      '--data-dir',
      dataDir,
      '--keep-workdirs',
    ],
    io,
  );
  cli = { code, io };
  // The other fixtures two at a time (2 cores), each in its own run.
  const queue = [...CASES];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [name, tag] = next;
      runs[name] = await run({
        config,
        tag,
        repo: fixture(name),
        approve: false,
        dataDir,
        state: { kind: 'moto-endpoint', endpoint: moto.endpoint },
      });
    }
  };
  await Promise.all([worker(), worker()]);
});

afterAll(async () => {
  await moto?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function onlyFailing(result: RunResult, action: string): void {
  const expected = {
    tflint: 'SUCCEEDED',
    checkov: 'SUCCEEDED',
    tfsec: 'SUCCEEDED',
    plan: 'SUCCEEDED',
    [action]: 'FAILED',
  };
  expect(actionStatus(result)).toEqual(expected);
  expect(result.exitCode).toBe(1);
  expect(result.failedStage).toBe('Checks');
  expect(result.approval).toBe('not-reached');
}

describe('clean fixture (tfpf run through the CLI)', () => {
  test('all four checks pass, the table and plan summary are printed, and approval waits', () => {
    expect(cli.code).toBe(0);
    const text = cli.io.text();
    for (const action of ['tflint', 'checkov', 'tfsec', 'plan']) {
      expect(text).toMatch(new RegExp(`Checks/${action}\\s+started`));
      expect(text).toMatch(new RegExp(`Checks\\s+${action}\\s+SUCCEEDED\\s+\\d+\\.\\d`));
    }
    expect(text).toMatch(/Approval\s+manual\s+WAITING/);
    expect(text).toContain('**1 to add, 0 to change, 0 to destroy, 0 to replace; flags: none**');
    expect(text).toMatch(/npx tfpf run --resume \d{8}-\d{6}-[0-9a-f]{4} --approve/);
  });

  test('nothing is applied without --approve: no state object, no apply folder', async () => {
    const aws = new MotoAws(moto.endpoint, 'us-east-1');
    expect(
      await aws.getObject('acme-tfstate-dev', 'research/dev-us-east-1/terraform.tfstate'),
    ).toBeUndefined();
    const runId = /tfpf run (\S+):/.exec(cli.io.text())?.[1] as string;
    expect(fs.existsSync(path.join(dataDir, 'runs', runId, 'apply'))).toBe(false);
  });

  test('the plan artifact holds the contract files and the exports name the counts', () => {
    const runId = /tfpf run (\S+):/.exec(cli.io.text())?.[1] as string;
    const runDir = path.join(dataDir, 'runs', runId);
    const artifacts = fs.readdirSync(path.join(runDir, 'plan', 'artifacts')).sort();
    expect(artifacts).toEqual(
      ['.terraform.lock.hcl', 'plan-meta.json', 'plan.json', 'summary.json', 'summary.md', 'tfplan'].sort(),
    );
    const exported = JSON.parse(
      fs.readFileSync(path.join(runDir, 'plan', 'exported-variables.json'), 'utf8'),
    );
    expect(exported).toEqual({
      PLAN_ADD: '1',
      PLAN_CHANGE: '0',
      PLAN_DESTROY: '0',
      PLAN_REPLACE: '0',
      PLAN_FLAGS: 'none',
      PLAN_SUMMARY:
        'dev_us-east-1/research/1.0: 1 to add, 0 to change, 0 to destroy, 0 to replace; flags: none',
      PLAN_BUILD_URL: `file://${path.join(runDir, 'plan', 'build.log')}`,
      PLAN_DIGEST: execFileSync('python3', [STAGE, 'digest', path.join(runDir, 'plan', 'artifacts')], {
        encoding: 'utf8',
      }).trim(),
      PLAN_OVERRIDES: '0',
      // A release plan is no drift check: the drift exports say so.
      DRIFT_STATUS: 'not-checked',
      DRIFT_ADD: '0',
      DRIFT_CHANGE: '0',
      DRIFT_DESTROY: '0',
    });
    const meta = JSON.parse(
      fs.readFileSync(path.join(runDir, 'plan', 'artifacts', 'plan-meta.json'), 'utf8'),
    );
    expect(meta).toMatchObject({ release_tag: 'dev_us-east-1/research/1.0', serial: 0, lineage: '' });
  });

  test('the backend is pinned to the tooling profile while providers get the plan role', () => {
    const runId = /tfpf run (\S+):/.exec(cli.io.text())?.[1] as string;
    const runDir = path.join(dataDir, 'runs', runId);
    const backend = JSON.parse(
      fs.readFileSync(
        path.join(runDir, 'plan', 'src', 'regional', '.terraform', 'terraform.tfstate'),
        'utf8',
      ),
    ).backend.config;
    expect(backend).toMatchObject({
      bucket: 'acme-tfstate-dev',
      key: 'research/dev-us-east-1/terraform.tfstate',
      encrypt: true,
      profile: 'tfpf-state',
      dynamodb_table: 'acme-tfstate-lock-dev',
    });
    const log = fs.readFileSync(path.join(runDir, 'plan', 'build.log'), 'utf8');
    expect(log).toContain(
      'providers: AWS_PROFILE=tfpf-target assumes arn:aws:iam::111111111111:role/tfpf-dev-plan',
    );
    expect(log).toContain(
      'workload sessions tfpf-plan-dev_us-east-1@research@1.0 with source identity tfpf.dev_us-east-1@research@1.0',
    );
    // The role check needs no AWS CLI: the credential process assumes the role through moto's STS itself.
    expect(log).toContain(
      'providers run as: arn:aws:sts::111111111111:assumed-role/tfpf-dev-plan/tfpf-plan-dev_us-east-1@research@1.0',
    );
  });

  test('each scanner wrote a JUnit report collected for its report group', () => {
    const runId = /tfpf run (\S+):/.exec(cli.io.text())?.[1] as string;
    for (const tool of ['tflint', 'checkov', 'tfsec']) {
      const xml = fs.readFileSync(
        path.join(dataDir, 'runs', runId, tool, 'reports', tool, `${tool}.xml`),
        'utf8',
      );
      expect(xml).toContain(`<testsuite name="${tool}"`);
      expect(xml).toContain('failures="0"');
    }
  });
});

describe('tflint-violation fixture', () => {
  test('only tflint fails, naming each rule, file and line', () => {
    const { result } = runs['tflint-violation'] as CapturedRun;
    onlyFailing(result, 'tflint');
    const log = actionLog(result, 'tflint');
    expect(log).toMatch(
      /^tflint terraform_unused_declarations regional\/variables\.tf:\d+ MEDIUM FAIL: variable "unused_setting"/m,
    );
    expect(log).toMatch(/^tflint terraform_typed_variables regional\/variables\.tf:\d+ MEDIUM FAIL:/m);
    expect(result.actions.find((a) => a.action === 'tflint')?.build?.reports[0]).toMatchObject({
      failures: 2,
    });
  });

  test('the CLI-style summary names the failed stage', () => {
    const { io } = runs['tflint-violation'] as CapturedRun;
    expect(io.errors).toContain('tfpf: stage Checks failed: tflint');
  });
});

describe('checkov-finding fixture', () => {
  test('only checkov fails, on the committed access key (no severity without an API key: always blocking)', () => {
    const { result } = runs['checkov-finding'] as CapturedRun;
    onlyFailing(result, 'checkov');
    expect(actionLog(result, 'checkov')).toMatch(
      /^checkov CKV_SECRET_2 regional\/variables\.tf:\d+ NO-SEVERITY FAIL:/m,
    );
  });
});

describe('tfsec-finding fixture', () => {
  test('only tfsec fails, on the log group without a customer key; its stderr banner breaks nothing', () => {
    const { result } = runs['tfsec-finding'] as CapturedRun;
    onlyFailing(result, 'tfsec');
    const log = actionLog(result, 'tfsec');
    expect(log).toMatch(/^tfsec aws-cloudwatch-log-group-customer-key bootstrap\/main\.tf:\d+ LOW FAIL:/m);
    expect(log).toContain('tfsec is joining the Trivy family');
  });

  test('the checkov suppressions in code are honoured', () => {
    const { result } = runs['tfsec-finding'] as CapturedRun;
    const xml = fs.readFileSync(
      path.join(result.runDir, 'checkov', 'reports', 'checkov', 'checkov.xml'),
      'utf8',
    );
    expect(xml).toContain('failures="0"');
    // Each suppression is listed with its reason and counted for the approval message.
    expect(actionLog(result, 'checkov')).toMatch(
      /^checkov CKV_AWS_158 bootstrap\/main\.tf:\d+ NO-SEVERITY SKIPPED \(inline comment\): this fixture isolates/m,
    );
    const exported = JSON.parse(
      fs.readFileSync(path.join(result.runDir, 'checkov', 'exported-variables.json'), 'utf8'),
    );
    expect(exported).toEqual({ SCAN_SKIPPED: '2', SCAN_SKIPPED_IDS: 'CKV_AWS_158,CKV_AWS_338' });
  });
});

describe('team-without-tfvars fixture', () => {
  test('the plan passes with the layers that exist, listing the ones skipped', () => {
    const { result } = runs['team-without-tfvars'] as CapturedRun;
    expect(result.exitCode).toBe(0);
    expect(actionStatus(result)).toEqual({
      tflint: 'SUCCEEDED',
      checkov: 'SUCCEEDED',
      tfsec: 'SUCCEEDED',
      plan: 'SUCCEEDED',
    });
    const log = actionLog(result, 'plan');
    expect(log).toContain('var file: vars/common.tfvars\n');
    expect(log).toContain('var file: vars/dev.tfvars\n');
    expect(log).toContain('var file: vars/dev/risk.tfvars (absent, skipped)');
    expect(log).toContain('var file: vars/dev/risk/us-east-1.tfvars (absent, skipped)');
    expect(log).toContain('assumes arn:aws:iam::222222222222:role/tfpf-dev-plan');
  });
});
