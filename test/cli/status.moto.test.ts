import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/output';
import type { ExecutionRegistration } from '../../src/deployment/deployment-record';
import { DeploymentStore } from '../../src/deployment/deployment-store';
import { localDriftRecordFile } from '../../src/runner/run-drift';
import { SHIPPED_CONFIG_DIR } from '../support/config-files';
import { useMotoServer } from '../support/moto';

/** `tfpf status` against moto's DynamoDB (server mode) and on the local runner's records. */

const moto = useMotoServer({ resetBeforeEach: true });
const TABLE = 'tfpf-release-ledger';
const COMMIT_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const COMMIT_B = 'b'.repeat(40);
const AT = Date.UTC(2026, 11, 1, 10, 0, 0);
const ALICE = 'arn:aws:iam::123456789012:user/alice';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) };
  const code = await main(['node', 'tfpf', ...args], io);
  return { code, out, err };
}

function registration(
  env: string,
  scope: string,
  team: string,
  version: string,
  commit: string,
  startedAt: number,
): ExecutionRegistration {
  return {
    environment: env,
    scope,
    team,
    executionId: `${env}-${scope}-${team}-${version}`,
    pipelineName: `tfpf-${env}`,
    stateKey: `${team}/${env}-${scope}/terraform.tfstate`,
    tag: `${env}_${scope}/${team}/${version}`,
    version,
    commit,
    tagger: ALICE,
    startedAt,
  };
}

describe('tfpf status (ledger in moto DynamoDB)', () => {
  let dynamodb: DynamoDBClient;
  let store: DeploymentStore;
  let endpoint: string;
  /** `tfpf status` on the shipped configuration against the moto ledger, with more options. */
  const statusOfLedger = (...options: string[]): ReturnType<typeof run> =>
    run(
      'status',
      '--config',
      SHIPPED_CONFIG_DIR,
      '--endpoint',
      endpoint,
      '--region',
      'us-east-1',
      ...options,
    );

  beforeEach(async () => {
    const config = moto.clientConfig('us-east-1');
    endpoint = config.endpoint;
    process.env.AWS_ACCESS_KEY_ID = config.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = config.credentials.secretAccessKey;
    dynamodb = new DynamoDBClient(config);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    store = new DeploymentStore(dynamodb, TABLE, () => AT);
    // staging research/eu-central-1: 1.4.0 applied; prod research/eu-central-1: 1.4.0 waits for approval after 1.3.0.
    const staging = registration('staging', 'eu-central-1', 'research', '1.4.0', COMMIT_A, AT);
    await store.registerExecution(staging);
    await store.recordTransition(staging, { state: 'applied', at: AT + 600_000, progress: 4 });
    await store.recordApplied(staging, AT + 600_000);
    const prodOld = registration('prod', 'eu-central-1', 'research', '1.3.0', COMMIT_B, AT - 86400_000);
    await store.recordTransition(prodOld, { state: 'applied', at: AT - 86000_000, progress: 4 });
    await store.recordApplied(prodOld, AT - 86000_000);
    const prod = registration('prod', 'eu-central-1', 'research', '1.4.0', COMMIT_A, AT + 700_000);
    await store.recordTransition(prod, { state: 'awaiting-approval', at: AT + 800_000, progress: 2 });
    // The risk team's staging release was rejected at approval.
    const risk = registration('staging', 'global', 'risk', '2.0', COMMIT_B, AT);
    await store.recordTransition(risk, { state: 'rejected', at: AT + 60_000, progress: 5 });
    // A drift check of staging research/eu-central-1 after its apply found drift.
    await dynamodb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          pk: { S: 'drift#staging#eu-central-1#research' },
          kind: { S: 'drift' },
          environment: { S: 'staging' },
          scope: { S: 'eu-central-1' },
          team: { S: 'research' },
          stateKey: { S: 'research/staging-eu-central-1/terraform.tfstate' },
          tag: { S: 'staging_eu-central-1/research/1.4.0' },
          commit: { S: COMMIT_A },
          checkedAt: { N: String(AT + 7200_000) },
          drifted: { BOOL: true },
          driftedSince: { N: String(AT + 3600_000) },
          add: { N: '0' },
          change: { N: '1' },
          destroy: { N: '0' },
          buildId: { S: 'tfpf-staging-drift:1' },
        },
      }),
    );
    // Items of the tag handler share the table and are not shown.
    await dynamodb.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'tag#abc' }, commit: { S: COMMIT_A } } }),
    );
  });

  test('one table: environment × scope × team with version, commit, state, when, tagger, drift and the last apply', async () => {
    const { code, out, err } = await statusOfLedger();
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')).toEqual([
      'environment  scope         team      version  commit   state              when                      tagged by   notes',
      '-----------  ------------  --------  -------  -------  -----------------  ------------------------  ----------  --------------------------------------',
      'prod         eu-central-1  research  1.4.0    a1b2c3d  awaiting approval  2026-12-01T10:13:20.000Z  user/alice  applied: 1.3.0 at bbbbbbb',
      'staging      eu-central-1  research  1.4.0    a1b2c3d  applied            2026-12-01T10:10:00.000Z  user/alice  drifted since 2026-12-01T11:00:00.000Z',
      'staging      global        risk      2.0      bbbbbbb  rejected           2026-12-01T10:01:00.000Z  user/alice',
    ]);
  });

  test('--env and --team filter; --json prints the rows', async () => {
    const { code, out } = await statusOfLedger('--env', 'staging', '--team', 'research', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([
      {
        environment: 'staging',
        scope: 'eu-central-1',
        team: 'research',
        version: '1.4.0',
        tag: 'staging_eu-central-1/research/1.4.0',
        commit: COMMIT_A,
        state: 'applied',
        when: '2026-12-01T10:10:00.000Z',
        taggedBy: ALICE,
        applied: null,
        driftedSince: '2026-12-01T11:00:00.000Z',
      },
    ]);
  });

  test('a drift check older than the last apply says nothing about what runs now', async () => {
    const next = registration('staging', 'eu-central-1', 'research', '1.5.0', COMMIT_B, AT + 8000_000);
    await store.recordTransition(next, { state: 'applied', at: AT + 9000_000, progress: 4 });
    await store.recordApplied(next, AT + 9000_000);
    const { out } = await statusOfLedger('--env', 'staging', '--team', 'research', '--json');
    expect(JSON.parse(out)).toMatchObject([{ version: '1.5.0', state: 'applied', driftedSince: null }]);
  });

  test('bad options exit 2 naming them; an unreadable ledger exits 1 naming the table', async () => {
    const bad = await run('status', '--config', SHIPPED_CONFIG_DIR, '--env', 'prd', '--team', 'ops');
    expect(bad.code).toBe(2);
    expect(bad.err.trimEnd().split('\n')).toEqual([
      'tfpf status: --env "prd" is not a configured environment (dev, prod, qa, staging)',
      'tfpf status: --team "ops" is not a configured team (research, risk)',
    ]);
    const missing = await statusOfLedger('--table', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(
      'tfpf status: cannot read the ledger table nope in us-east-1: ResourceNotFoundException',
    );
  });
});

describe("tfpf status --local (the local runner's records)", () => {
  let dataDir: string;
  const writeRun = (id: string, body: Record<string, unknown>): void => {
    fs.mkdirSync(path.join(dataDir, 'runs', id), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'runs', id, 'run.json'), JSON.stringify(body));
  };
  const release = (env: string, version: string): Record<string, string> => ({
    tag: `${env}_eu-central-1/research/${version}`,
    environment: env,
    region: 'eu-central-1',
    team: 'research',
    version,
    stateKey: `research/${env}-eu-central-1/terraform.tfstate`,
  });
  const passed = { tflint: 'SUCCEEDED', checkov: 'SUCCEEDED', tfsec: 'SUCCEEDED', plan: 'SUCCEEDED' };

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-status-'));
    writeRun('20261201-100000-aaaa', {
      runId: '20261201-100000-aaaa',
      createdAt: '2026-12-01T10:00:00.000Z',
      commit: COMMIT_A,
      pipeline: 'tfpf-staging',
      release: release('staging', '1.4.0'),
      checks: passed,
      applied: true,
      appliedAt: '2026-12-01T10:05:00.000Z',
      applyStatus: 'SUCCEEDED',
      taggedBy: 'local:alice',
    });
    writeRun('20261201-110000-bbbb', {
      runId: '20261201-110000-bbbb',
      createdAt: '2026-12-01T11:00:00.000Z',
      commit: COMMIT_B,
      pipeline: 'tfpf-staging',
      release: release('staging', '1.5.0'),
      checks: { ...passed, tfsec: 'FAILED' },
      applied: false,
      taggedBy: 'local:alice',
    });
    writeRun('20261201-120000-cccc', {
      runId: '20261201-120000-cccc',
      createdAt: '2026-12-01T12:00:00.000Z',
      commit: COMMIT_A,
      pipeline: 'tfpf-prod',
      release: release('prod', '1.4.0'),
      checks: passed,
      applied: false,
      taggedBy: 'local:bob',
    });
    fs.mkdirSync(path.join(dataDir, 'runs', 'not-a-run'));
    // A drift check's run (tfpf drift) is a plan of the applied release, not a release: status must skip it.
    writeRun('20261201-130000-dddd', {
      runId: '20261201-130000-dddd',
      createdAt: '2026-12-01T13:00:00.000Z',
      commit: COMMIT_A,
      pipeline: 'tfpf-staging',
      release: release('staging', '1.4.0'),
      checks: { plan: 'SUCCEEDED' },
      applied: false,
      mode: 'drift',
    });
    const driftFile = localDriftRecordFile(dataDir, 'staging', 'eu-central-1', 'research');
    fs.mkdirSync(path.dirname(driftFile), { recursive: true });
    fs.writeFileSync(
      driftFile,
      JSON.stringify({
        kind: 'drift',
        environment: 'staging',
        scope: 'eu-central-1',
        team: 'research',
        stateKey: 'research/staging-eu-central-1/terraform.tfstate',
        tag: 'staging_eu-central-1/research/1.4.0',
        commit: COMMIT_A,
        checkedAt: Date.UTC(2026, 11, 1, 13),
        drifted: true,
        driftedSince: Date.UTC(2026, 11, 1, 12, 30),
        add: 1,
        change: 0,
        destroy: 0,
        buildId: 'local',
      }),
    );
  });

  test('latest run per slot, the last apply, and the local drift record', async () => {
    const { code, out, err } = await run(
      'status',
      '--config',
      SHIPPED_CONFIG_DIR,
      '--local',
      '--data-dir',
      dataDir,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n').slice(2)).toEqual([
      'prod         eu-central-1  research  1.4.0    a1b2c3d  awaiting approval  2026-12-01T12:00:00.000Z  local:bob',
      'staging      eu-central-1  research  1.5.0    bbbbbbb  failed             2026-12-01T11:00:00.000Z  local:alice  drifted since 2026-12-01T12:30:00.000Z; applied: 1.4.0 at a1b2c3d',
    ]);
  });

  test('--local with ledger options is refused; an empty folder says nothing was recorded', async () => {
    const bad = await run('status', '--config', SHIPPED_CONFIG_DIR, '--local', '--table', 'x');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      "tfpf status: --local reads the local runner's records: drop --table/--endpoint/--region\n",
    );
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-status-empty-'));
    const none = await run('status', '--config', SHIPPED_CONFIG_DIR, '--local', '--data-dir', empty);
    expect(none).toEqual({ code: 0, out: `nothing recorded yet (local runs in ${empty})\n`, err: '' });
  });
});
