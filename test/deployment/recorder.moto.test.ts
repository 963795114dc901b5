import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { ExecutionRegistration } from '../../src/deployment/deployment-record';
import { DeploymentStore } from '../../src/deployment/deployment-store';
import {
  createDeploymentRecorder,
  REGISTRATION_WAIT_MS,
  RegistrationPendingError,
} from '../../src/deployment/recorder/record-execution';
import { useMotoServer } from '../support/moto';
import { approvalEvent, buildActionEvent, executionEvent } from './events';

/** The deployment recorder against moto's DynamoDB: real conditional writes decide what a late event may change. */

const moto = useMotoServer({ resetBeforeEach: true });
const TABLE = 'ledger';
const PIPELINE = 'tfpf-staging';
const EXEC_A = '11111111-2222-4333-8444-555555555555';
const EXEC_B = '66666666-7777-4888-8999-000000000000';
const COMMIT_A = 'a'.repeat(40);
const COMMIT_B = 'b'.repeat(40);
const KEY = 'deployment#staging#eu-central-1#research';
const T = (hh: number, mm: number, ss = 0): string =>
  new Date(Date.UTC(2026, 11, 1, hh, mm, ss)).toISOString().replace('.000Z', 'Z');
const ms = (iso: string): number => Date.parse(iso);

function registration(
  executionId: string,
  commit: string,
  version: string,
  startedAt: number,
): ExecutionRegistration {
  return {
    environment: 'staging',
    scope: 'eu-central-1',
    team: 'research',
    executionId,
    pipelineName: PIPELINE,
    stateKey: 'research/staging-eu-central-1/terraform.tfstate',
    tag: `staging_eu-central-1/research/${version}`,
    version,
    commit,
    tagger: 'arn:aws:iam::123456789012:user/alice',
    startedAt,
  };
}

let dynamodb: DynamoDBClient;
let store: DeploymentStore;
let nowMs: number;
let record: (event: unknown) => ReturnType<ReturnType<typeof createDeploymentRecorder>>;

async function item(): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: TABLE, Key: { pk: { S: KEY } }, ConsistentRead: true }),
  );
  return Item;
}

/** The contract attributes of the deployment record, plain. */
async function plain(): Promise<Record<string, string | number> | undefined> {
  const found = await item();
  if (found === undefined) return undefined;
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(found)) {
    if (['progress', 'executionStartedAt'].includes(name)) continue;
    out[name] = value.S ?? Number(value.N);
  }
  return out;
}

beforeEach(async () => {
  dynamodb = new DynamoDBClient(moto.clientConfig());
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  nowMs = ms(T(12, 0));
  store = new DeploymentStore(dynamodb, TABLE, () => nowMs);
  record = createDeploymentRecorder({
    store,
    pipelines: new Set([PIPELINE]),
    now: () => nowMs,
    log: () => undefined,
  });
  await store.registerExecution(registration(EXEC_A, COMMIT_A, '1.3.0', ms(T(10, 0))));
});

describe('deployment recorder', () => {
  test('GIVEN a release that waits for approval and applies THEN the record ends applied with the apply recorded', async () => {
    await record(executionEvent(PIPELINE, EXEC_A, 'STARTED', T(10, 0, 1)));
    expect((await plain())?.state).toBe('running');
    await record(buildActionEvent(PIPELINE, EXEC_A, 'SUCCEEDED', T(10, 3)));
    await record(approvalEvent(PIPELINE, EXEC_A, 'STARTED', T(10, 4)));
    expect((await plain())?.state).toBe('awaiting-approval');
    await record(approvalEvent(PIPELINE, EXEC_A, 'SUCCEEDED', T(10, 30)));
    expect((await plain())?.state).toBe('running');
    await record(executionEvent(PIPELINE, EXEC_A, 'SUCCEEDED', T(10, 35)));
    expect(await plain()).toEqual({
      pk: KEY,
      kind: 'deployment',
      environment: 'staging',
      scope: 'eu-central-1',
      team: 'research',
      stateKey: 'research/staging-eu-central-1/terraform.tfstate',
      tag: 'staging_eu-central-1/research/1.3.0',
      version: '1.3.0',
      commit: COMMIT_A,
      tagger: 'arn:aws:iam::123456789012:user/alice',
      pipelineName: PIPELINE,
      executionId: EXEC_A,
      state: 'applied',
      updatedAt: ms(T(10, 35)),
      appliedTag: 'staging_eu-central-1/research/1.3.0',
      appliedVersion: '1.3.0',
      appliedCommit: COMMIT_A,
      appliedExecutionId: EXEC_A,
      appliedAt: ms(T(10, 35)),
    });
    expect((await item())?.expiresAt).toBeUndefined();
  });

  test('GIVEN every event delivered twice and in reverse order THEN the record is the same as in order', async () => {
    const events = [
      executionEvent(PIPELINE, EXEC_A, 'STARTED', T(10, 0, 1)),
      approvalEvent(PIPELINE, EXEC_A, 'STARTED', T(10, 4)),
      approvalEvent(PIPELINE, EXEC_A, 'SUCCEEDED', T(10, 30)),
      executionEvent(PIPELINE, EXEC_A, 'SUCCEEDED', T(10, 35)),
    ];
    const outcomes = [];
    for (const event of [...events].reverse()) outcomes.push((await record(event)).status);
    for (const event of events) outcomes.push((await record(event)).status);
    expect(outcomes).toEqual(['recorded', 'stale', 'stale', 'stale', 'stale', 'stale', 'stale', 'stale']);
    expect(await plain()).toMatchObject({
      state: 'applied',
      updatedAt: ms(T(10, 35)),
      appliedCommit: COMMIT_A,
    });
  });

  test('events of one second keep their order: approval waiting does not go back to running', async () => {
    await record(approvalEvent(PIPELINE, EXEC_A, 'STARTED', T(10, 0, 1)));
    expect((await record(executionEvent(PIPELINE, EXEC_A, 'STARTED', T(10, 0, 1)))).status).toBe('stale');
    expect((await plain())?.state).toBe('awaiting-approval');
  });

  test('a rejected approval stays rejected when the pipeline then reports FAILED, in either order', async () => {
    await record(approvalEvent(PIPELINE, EXEC_A, 'STARTED', T(10, 4)));
    await record(executionEvent(PIPELINE, EXEC_A, 'FAILED', T(10, 20, 1)));
    expect((await plain())?.state).toBe('failed');
    await record(approvalEvent(PIPELINE, EXEC_A, 'FAILED', T(10, 20)));
    expect((await plain())?.state).toBe('rejected');
    expect((await record(executionEvent(PIPELINE, EXEC_A, 'FAILED', T(10, 20, 1)))).status).toBe('stale');
    const final = await plain();
    expect(final?.state).toBe('rejected');
    expect(final?.appliedAt).toBeUndefined();
  });

  test('a newer execution owns the state; a late event of the older one changes only the last apply', async () => {
    await record(executionEvent(PIPELINE, EXEC_A, 'SUCCEEDED', T(10, 35)));
    await store.registerExecution(registration(EXEC_B, COMMIT_B, '1.4.0', ms(T(11, 0))));
    await record(executionEvent(PIPELINE, EXEC_B, 'STARTED', T(11, 0, 1)));
    expect(await plain()).toMatchObject({ state: 'running', commit: COMMIT_B, appliedCommit: COMMIT_A });
    // A duplicate of A's success, delivered late, moves nothing back.
    expect((await record(executionEvent(PIPELINE, EXEC_A, 'SUCCEEDED', T(10, 35)))).status).toBe('stale');
    expect(await plain()).toMatchObject({
      state: 'running',
      executionId: EXEC_B,
      appliedExecutionId: EXEC_A,
    });
    await record(executionEvent(PIPELINE, EXEC_B, 'FAILED', T(11, 5)));
    expect(await plain()).toMatchObject({
      state: 'failed',
      commit: COMMIT_B,
      appliedCommit: COMMIT_A,
      appliedVersion: '1.3.0',
    });
  });

  test('an older execution that applies after a newer one started records its apply, not its state', async () => {
    await store.registerExecution(registration(EXEC_B, COMMIT_B, '1.4.0', ms(T(11, 0))));
    await record(executionEvent(PIPELINE, EXEC_B, 'STARTED', T(11, 0, 1)));
    expect((await record(executionEvent(PIPELINE, EXEC_A, 'SUCCEEDED', T(11, 2)))).status).toBe('stale');
    expect(await plain()).toMatchObject({
      state: 'running',
      executionId: EXEC_B,
      appliedCommit: COMMIT_A,
      appliedAt: ms(T(11, 2)),
    });
  });

  test('events of other pipelines, other actions and unknown states are ignored', async () => {
    expect(await record(executionEvent('someone-else', EXEC_A, 'STARTED', T(10, 0)))).toEqual({
      status: 'ignored',
      reason: 'pipeline someone-else is not a factory pipeline',
    });
    expect(await record(buildActionEvent(PIPELINE, EXEC_A, 'FAILED', T(10, 1)))).toEqual({
      status: 'ignored',
      reason: 'not an approval action',
    });
    expect(await record(executionEvent(PIPELINE, EXEC_A, 'STOPPING', T(10, 1)))).toEqual({
      status: 'ignored',
      reason: 'execution state STOPPING changes no record',
    });
    expect(await record({ source: 'aws.codecommit' })).toEqual({
      status: 'ignored',
      reason: 'not a CodePipeline event',
    });
    expect(await item()).toBeUndefined();
  });

  test('an unregistered execution is retried while recent, then ignored', async () => {
    const unknown = '99999999-0000-4000-8000-000000000000';
    nowMs = ms(T(10, 0, 30));
    await expect(record(executionEvent(PIPELINE, unknown, 'STARTED', T(10, 0)))).rejects.toThrow(
      RegistrationPendingError,
    );
    nowMs = ms(T(10, 0)) + REGISTRATION_WAIT_MS;
    expect(await record(executionEvent(PIPELINE, unknown, 'STARTED', T(10, 0)))).toEqual({
      status: 'ignored',
      reason: `execution ${unknown} of ${PIPELINE} was not started by the tag handler`,
    });
  });

  test('the registration expires; the deployment record does not', async () => {
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: `execution#${EXEC_A}` } },
        ConsistentRead: true,
      }),
    );
    expect(Item?.expiresAt?.N).toBe(String(Math.floor(nowMs / 1000) + 90 * 86400));
    expect(Item?.tagger?.S).toBe('arn:aws:iam::123456789012:user/alice');
  });
});
