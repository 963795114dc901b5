import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { recordDriftCheck, type DriftCheckEvent } from '../../src/drift/drift-recorder';
import { listDriftTargets, type DriftTarget } from '../../src/drift/drift-targets';
import { createQueue, receive } from '../support/aws-raw';
import { modelWith } from '../support/config-files';
import { useMotoServer } from '../support/moto';

// The drift recorder and the target lister against moto (DynamoDB ledger, SNS failure topic read through SQS,
// EventBridge default bus read through a rule with an SQS target): a build result in, a drift record and events out.

const moto = useMotoServer({ resetBeforeEach: true });
const TABLE = 'ledger';
const COMMIT = 'c'.repeat(40);
const BUILD_1 = 'tfpf-dev-drift:11111111-1111-4111-8111-111111111111';
const BUILD_2 = 'tfpf-dev-drift:22222222-2222-4222-8222-222222222222';
const T1 = Date.UTC(2026, 11, 1, 6, 0, 0);
const T2 = T1 + 86_400_000;

const TARGET: DriftTarget = {
  environment: 'dev',
  scope: 'eu-central-1',
  team: 'research',
  stateKey: 'research/dev-eu-central-1/terraform.tfstate',
  tag: 'dev_eu-central-1/research/1.4.0',
  version: '1.4.0',
  commit: COMMIT,
  targetRegion: 'eu-central-1',
  account: '111111111111',
};

let dynamodb: DynamoDBClient;
let sns: SNSClient;
let events: EventBridgeClient;
let topicArn: string;
let notifications: { url: string };
let tfpfEvents: { url: string };

beforeEach(async () => {
  const cfg = moto.clientConfig();
  dynamodb = new DynamoDBClient(cfg);
  sns = new SNSClient(cfg);
  events = new EventBridgeClient(cfg);
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'tfpf-failures' }))).TopicArn as string;
  const queue = await createQueue(cfg, 'notifications');
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn }));
  notifications = queue;
  const eventQueue = await createQueue(cfg, 'tfpf-events');
  await events.send(new PutRuleCommand({ Name: 'tfpf', EventPattern: JSON.stringify({ source: ['tfpf'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'tfpf', Targets: [{ Id: 'q', Arn: eventQueue.arn }] }));
  tfpfEvents = eventQueue;
});

function built(buildId: string, exported: Record<string, string>, status = 'SUCCEEDED'): DriftCheckEvent {
  return {
    target: TARGET,
    result: {
      Build: {
        Id: buildId,
        BuildStatus: status,
        ExportedEnvironmentVariables: Object.entries(exported).map(([Name, Value]) => ({ Name, Value })),
      },
    },
  };
}

const DRIFTED = { DRIFT_STATUS: 'drifted', DRIFT_ADD: '1', DRIFT_CHANGE: '2', DRIFT_DESTROY: '3' };
const CLEAN = { DRIFT_STATUS: 'none', DRIFT_ADD: '0', DRIFT_CHANGE: '0', DRIFT_DESTROY: '0' };

function record(now: number, event: DriftCheckEvent) {
  return recordDriftCheck(
    { dynamodb, sns, events, tableName: TABLE, failureTopicArn: topicArn, now: () => now },
    event,
  );
}

async function driftItem() {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'drift#dev#eu-central-1#research' } } }),
  );
  return Item;
}

async function snsMessages(): Promise<{ Subject: string; Message: string }[]> {
  return (await receive(moto.clientConfig(), notifications.url)).map((b) => JSON.parse(b));
}

async function eventsReceived(): Promise<{ source: string; 'detail-type': string; detail: unknown }[]> {
  return (await receive(moto.clientConfig(), tfpfEvents.url)).map((b) => JSON.parse(b));
}

describe('a build that found drift', () => {
  test('writes the drift record of the contract, publishes to the failure topic and puts Drift Detected', async () => {
    await expect(record(T1, built(BUILD_1, DRIFTED))).resolves.toEqual({
      status: 'drifted',
      key: 'drift#dev#eu-central-1#research',
      buildId: BUILD_1,
    });
    expect(await driftItem()).toEqual({
      pk: { S: 'drift#dev#eu-central-1#research' },
      kind: { S: 'drift' },
      environment: { S: 'dev' },
      scope: { S: 'eu-central-1' },
      team: { S: 'research' },
      stateKey: { S: TARGET.stateKey },
      tag: { S: TARGET.tag },
      commit: { S: COMMIT },
      checkedAt: { N: String(T1) },
      drifted: { BOOL: true },
      driftedSince: { N: String(T1) },
      add: { N: '1' },
      change: { N: '2' },
      destroy: { N: '3' },
      buildId: { S: BUILD_1 },
    });
    const [message, ...more] = await snsMessages();
    expect(more).toEqual([]);
    expect(message?.Subject).toBe('tfpf: drift detected in dev_eu-central-1/research');
    expect(message?.Message).toContain('Plan:           1 to add, 2 to change, 3 to destroy');
    expect(message?.Message).toContain(`Release:        ${TARGET.tag} (commit ${COMMIT})`);
    const received = await eventsReceived();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      source: 'tfpf',
      'detail-type': 'Drift Detected',
      detail: {
        environment: 'dev',
        scope: 'eu-central-1',
        team: 'research',
        stateKey: TARGET.stateKey,
        tag: TARGET.tag,
        commit: COMMIT,
        add: 1,
        change: 2,
        destroy: 3,
        checkedAt: '2026-12-01T06:00:00.000Z',
        driftedSince: '2026-12-01T06:00:00.000Z',
        buildId: BUILD_1,
      },
    });
  });

  test('a later drifted check keeps driftedSince; a retry of the same build writes and sends nothing', async () => {
    await record(T1, built(BUILD_1, DRIFTED));
    await expect(record(T2, built(BUILD_1, DRIFTED))).resolves.toMatchObject({ status: 'duplicate' });
    expect((await driftItem())?.checkedAt).toEqual({ N: String(T1) });
    expect(await snsMessages()).toHaveLength(1);
    await record(T2, built(BUILD_2, DRIFTED));
    const item = await driftItem();
    expect(item?.checkedAt).toEqual({ N: String(T2) });
    expect(item?.driftedSince).toEqual({ N: String(T1) });
  });
});

describe('a build that found no drift', () => {
  test('records drifted false without driftedSince, and sends nothing', async () => {
    await record(T1, built(BUILD_1, DRIFTED));
    await snsMessages();
    await eventsReceived();
    await expect(record(T2, built(BUILD_2, CLEAN))).resolves.toMatchObject({ status: 'none' });
    const item = await driftItem();
    expect(item?.drifted).toEqual({ BOOL: false });
    expect(item?.driftedSince).toBeUndefined();
    expect(item?.add).toEqual({ N: '0' });
    expect(await snsMessages()).toEqual([]);
    expect(await eventsReceived()).toEqual([]);
  });
});

describe('a build that did not complete a check', () => {
  test.each([
    [
      'a caught build error',
      { target: TARGET, error: { Error: 'States.TaskFailed', Cause: 'Build failed' } },
      'the drift build did not succeed ("States.TaskFailed": "Build failed")',
    ],
    ['a failed build', built(BUILD_1, CLEAN, 'FAILED'), `build ${BUILD_1} ended "FAILED"`],
    [
      'exports that are not a drift check',
      built(BUILD_1, { ...DRIFTED, DRIFT_ADD: '1; rm -rf /' }),
      `build ${BUILD_1}: the build exported DRIFT_ADD "1; rm -rf /", not a count`,
    ],
    [
      'a status that is not none or drifted',
      built(BUILD_1, { ...CLEAN, DRIFT_STATUS: 'not-checked' }),
      `build ${BUILD_1}: the build exported DRIFT_STATUS "not-checked", not none or drifted`,
    ],
  ])('%s leaves the record unchanged and notifies the failure topic', async (_what, event, reason) => {
    await record(T1, built(BUILD_2, DRIFTED));
    await snsMessages();
    expect(await eventsReceived()).toHaveLength(1);
    const before = await driftItem();
    await expect(record(T2, event as DriftCheckEvent)).resolves.toEqual({
      status: 'failed',
      key: 'drift#dev#eu-central-1#research',
      reason,
    });
    expect(await driftItem()).toEqual(before);
    const [message] = await snsMessages();
    expect(message?.Subject).toBe('tfpf: drift check failed in dev_eu-central-1/research');
    expect(message?.Message).toContain(`Reason:     ${reason}`);
    expect(await eventsReceived()).toHaveLength(0);
  });
});

describe('listDriftTargets', () => {
  const config = modelWith();
  async function put(item: Record<string, string>): Promise<void> {
    await dynamodb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }])),
      }),
    );
  }
  const deployment = (scope: string, team: string, version: string) => ({
    pk: `deployment#dev#${scope}#${team}`,
    kind: 'deployment',
    environment: 'dev',
    scope,
    team,
    stateKey: `${team}/dev-${scope}/terraform.tfstate`,
    appliedTag: `dev_${scope}/${team}/${version}`,
    appliedVersion: version,
    appliedCommit: COMMIT,
  });

  test('returns the applied release of every state key of the environment, resolved against the config', async () => {
    await put(deployment('eu-central-1', 'research', '1.4.0'));
    await put(deployment('global', 'risk', '2.0'));
    await put({ ...deployment('us-east-1', 'research', '1.0'), pk: 'deployment#qa#us-east-1#research' });
    const { appliedCommit: _c, appliedTag: _t, ...neverApplied } = deployment('us-east-1', 'risk', '0.1');
    await put(neverApplied);
    await put({ ...deployment('ap-southeast-1', 'risk', '1.0'), appliedCommit: 'main' });
    await put({ ...deployment('us-east-1', 'research', '1.0'), appliedTag: 'dev_us-east-1/risk/1.0' });
    await put({ pk: 'drift#dev#eu-central-1#research', kind: 'drift' });

    const { targets, skipped } = await listDriftTargets(dynamodb, TABLE, 'dev', config);
    expect(targets).toEqual([
      TARGET,
      {
        environment: 'dev',
        scope: 'global',
        team: 'risk',
        stateKey: 'risk/dev-global/terraform.tfstate',
        tag: 'dev_global/risk/2.0',
        version: '2.0',
        commit: COMMIT,
        targetRegion: 'us-east-1',
        account: '222222222222',
      },
    ]);
    expect([...skipped].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'deployment#dev#ap-southeast-1#risk', reason: 'appliedCommit "main" is not a commit id' },
      {
        key: 'deployment#dev#us-east-1#research',
        reason:
          'appliedTag dev_us-east-1/risk/1.0 belongs to deployment#dev#us-east-1#risk, not deployment#dev#us-east-1#research',
      },
    ]);
  });
});
