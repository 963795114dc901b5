import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import {
  ClaimLostError,
  ReleaseInProgressError,
  ReleaseLedger,
  tagNameKey,
} from '../../src/trigger/release-ledger';
import { useMotoServer } from '../support/moto';

/**
 * The release ledger on its own, against moto's DynamoDB (real conditional writes): every state change, every
 * condition and every stored attribute. Fast on purpose: it is the ledger's test under mutation testing.
 */

const moto = useMotoServer({ resetBeforeEach: true });
const TABLE = 'ledger';
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const T0_SECONDS = T0 / 1000;
const COMMIT = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);
const WHAT = { tag: 'dev_eu-central-1/research/1.0', commit: COMMIT, event: 'referenceCreated' };

let dynamodb: DynamoDBClient;
let nowMs: number;
let ids: number;

function ledger(options: { pendingTimeoutSeconds?: number; retentionDays?: number } = {}): ReleaseLedger {
  return new ReleaseLedger(dynamodb, {
    tableName: TABLE,
    pendingTimeoutSeconds: options.pendingTimeoutSeconds ?? 60,
    retentionDays: options.retentionDays ?? 30,
    now: () => nowMs,
    newClaimId: () => `claim-${++ids}`,
  });
}

async function item(pk: string): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return Item;
}

beforeEach(async () => {
  dynamodb = new DynamoDBClient(moto.clientConfig());
  nowMs = T0;
  ids = 0;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

describe('claim', () => {
  test('a new key is claimed: a pending item with every field, expiring after the retention', async () => {
    await expect(ledger({ retentionDays: 7 }).claim('k1', WHAT)).resolves.toEqual({
      status: 'claimed',
      claimId: 'claim-1',
    });
    expect(await item('k1')).toEqual({
      pk: { S: 'k1' },
      state: { S: 'pending' },
      claimId: { S: 'claim-1' },
      tag: { S: WHAT.tag },
      commit: { S: COMMIT },
      event: { S: 'referenceCreated' },
      createdAt: { N: String(T0_SECONDS) },
      updatedAt: { N: String(T0_SECONDS) },
      expiresAt: { N: String(T0_SECONDS + 7 * 86400) },
    });
  });

  test('the stored tag is cut at 1000 characters', async () => {
    await ledger().claim('k1', { ...WHAT, tag: 'x'.repeat(1500) });
    expect((await item('k1'))!.tag!.S).toBe('x'.repeat(1000));
  });

  test('a fresh claim of someone else is busy (until the pending timeout, exclusive)', async () => {
    const l = ledger({ pendingTimeoutSeconds: 60 });
    await l.claim('k1', WHAT);
    nowMs = T0 + 59_000;
    await expect(l.claim('k1', WHAT)).resolves.toMatchObject({
      status: 'busy',
      record: { key: 'k1', state: 'pending', claimId: 'claim-1', updatedAt: T0_SECONDS },
    });
  });

  test('an abandoned claim (pending timeout reached) is taken over and resumed', async () => {
    const l = ledger({ pendingTimeoutSeconds: 60 });
    await l.claim('k1', WHAT);
    nowMs = T0 + 60_000;
    const claim = await l.claim('k1', WHAT);
    expect(claim).toEqual({
      status: 'claimed',
      claimId: 'claim-2',
      resumed: {
        key: 'k1',
        state: 'pending',
        claimId: 'claim-1',
        tag: WHAT.tag,
        commit: COMMIT,
        event: 'referenceCreated',
        outcome: undefined,
        executionId: undefined,
        updatedAt: T0_SECONDS,
      },
    });
    expect(await item('k1')).toMatchObject({
      claimId: { S: 'claim-2' },
      updatedAt: { N: String(T0_SECONDS + 60) },
      takeovers: { N: '1' },
      state: { S: 'pending' },
    });
    // The previous owner lost its claim: its updates fail.
    await expect(l.markDone('k1', 'claim-1', 'started')).rejects.toBeInstanceOf(ClaimLostError);
    await expect(l.markDone('k1', 'claim-1', 'started')).rejects.toThrow(
      'ledger item k1 was taken over by another invocation',
    );
  });

  test('a started item is resumed with its execution id', async () => {
    const l = ledger();
    await l.claim('k1', WHAT);
    await l.markStarted('k1', 'claim-1', 'exec-1');
    nowMs = T0 + 3600_000;
    await expect(l.claim('k1', WHAT)).resolves.toMatchObject({
      status: 'claimed',
      resumed: { state: 'started', executionId: 'exec-1', outcome: 'started' },
    });
  });

  test('a done item is done, never busy nor taken over, however old', async () => {
    const l = ledger();
    await l.claim('k1', WHAT);
    await l.markDone('k1', 'claim-1', 'rejected');
    nowMs = T0 + 10 * 86400_000;
    await expect(l.claim('k1', WHAT)).resolves.toMatchObject({
      status: 'done',
      record: { state: 'done', outcome: 'rejected' },
    });
    expect((await item('k1'))!.claimId!.S).toBe('claim-1');
  });

  test('a takeover that loses to another one in between is retried and then reports busy', async () => {
    const l = ledger({ pendingTimeoutSeconds: 60 });
    await l.claim('k1', WHAT);
    nowMs = T0 + 61_000;
    const racing = ledger({ pendingTimeoutSeconds: 60 });
    // Take the item over under the first one's feet: between its GetItem and its UpdateItem.
    const original = dynamodb.send.bind(dynamodb);
    let raced = false;
    const spy = jest.spyOn(dynamodb, 'send').mockImplementation(async (command: unknown) => {
      if (!raced && (command as { constructor: { name: string } }).constructor.name === 'UpdateItemCommand') {
        raced = true;
        spy.mockRestore();
        await racing.claim('k1', WHAT);
      }
      return original(command as never);
    });
    await expect(l.claim('k1', WHAT)).resolves.toMatchObject({ status: 'busy' });
  });

  test('an item that keeps changing is given up after three attempts (retried later)', async () => {
    const l = ledger();
    const spy = jest.spyOn(dynamodb, 'send').mockImplementation(async (command: unknown) => {
      const name = (command as { constructor: { name: string } }).constructor.name;
      if (name === 'PutItemCommand')
        throw Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
      return {} as never; // GetItem: gone in between
    });
    try {
      await expect(l.claim('k1', WHAT)).rejects.toThrow(
        new ReleaseInProgressError('could not claim ledger item k1: it keeps changing'),
      );
      expect(spy.mock.calls.map(([c]) => (c as { constructor: { name: string } }).constructor.name)).toEqual([
        'PutItemCommand',
        'GetItemCommand',
        'PutItemCommand',
        'GetItemCommand',
        'PutItemCommand',
        'GetItemCommand',
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  test('other DynamoDB errors propagate', async () => {
    await expect(
      new ReleaseLedger(dynamodb, {
        tableName: 'missing',
        pendingTimeoutSeconds: 60,
        retentionDays: 30,
      }).claim('k1', WHAT),
    ).rejects.toThrow(/ResourceNotFound|not found|Requested resource/i);
  });
});

describe('markStarted, markDone, release', () => {
  test('markStarted records the execution; markDone the outcome; both move updatedAt', async () => {
    const l = ledger();
    await l.claim('k1', WHAT);
    nowMs = T0 + 5000;
    await l.markStarted('k1', 'claim-1', 'exec-1');
    expect(await item('k1')).toMatchObject({
      state: { S: 'started' },
      executionId: { S: 'exec-1' },
      outcome: { S: 'started' },
      updatedAt: { N: String(T0_SECONDS + 5) },
    });
    nowMs = T0 + 9000;
    await l.markDone('k1', 'claim-1', 'started');
    expect(await item('k1')).toMatchObject({
      state: { S: 'done' },
      outcome: { S: 'started' },
      executionId: { S: 'exec-1' },
      updatedAt: { N: String(T0_SECONDS + 9) },
    });
    await expect(l.get('k1')).resolves.toMatchObject({
      state: 'done',
      outcome: 'started',
      executionId: 'exec-1',
    });
  });

  test('updates with a claim that is not ours fail with ClaimLostError', async () => {
    const l = ledger();
    await l.claim('k1', WHAT);
    await expect(l.markStarted('k1', 'not-mine', 'exec-1')).rejects.toBeInstanceOf(ClaimLostError);
    expect((await item('k1'))!.state!.S).toBe('pending');
  });

  test('release deletes our pending claim, so the next claim starts afresh', async () => {
    const l = ledger();
    await l.claim('k1', WHAT);
    await l.release('k1', 'claim-1');
    expect(await item('k1')).toBeUndefined();
    await expect(l.claim('k1', WHAT)).resolves.toEqual({ status: 'claimed', claimId: 'claim-2' });
  });

  test('release keeps a claim that is not ours, and one that already started', async () => {
    const l = ledger();
    await l.claim('k1', WHAT);
    await l.release('k1', 'not-mine');
    expect(await item('k1')).toBeDefined();
    await l.markStarted('k1', 'claim-1', 'exec-1');
    await l.release('k1', 'claim-1');
    expect((await item('k1'))!.state!.S).toBe('started');
  });

  test('a missing item reads as undefined; unknown states read as pending', async () => {
    const l = ledger();
    await expect(l.get('nothing')).resolves.toBeUndefined();
    await dynamodb.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'odd' }, state: { S: 'weird' } } }),
    );
    await expect(l.get('odd')).resolves.toEqual({
      key: 'odd',
      state: 'pending',
      claimId: '',
      tag: '',
      commit: '',
      event: '',
      outcome: undefined,
      executionId: undefined,
      updatedAt: 0,
    });
  });
});

describe('tag names (never expire)', () => {
  const TAG = 'dev_eu-central-1/research/1.0';

  test('tagNameKey: tag# and the SHA-256 of the name (distinct from event keys)', () => {
    expect(tagNameKey('x')).toBe('tag#2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
  });

  test('the first reservation stores the name for the commit, without expiry', async () => {
    await expect(ledger().reserveTagName(TAG, COMMIT)).resolves.toEqual({ ok: true });
    expect(await item(tagNameKey(TAG))).toEqual({
      pk: { S: tagNameKey(TAG) },
      tag: { S: TAG },
      commit: { S: COMMIT },
      state: { S: 'reserved' },
      createdAt: { N: String(T0_SECONDS) },
    });
  });

  test('a reservation that has not started may be taken again for the same commit, not for another', async () => {
    const l = ledger();
    await l.reserveTagName(TAG, COMMIT);
    await expect(l.reserveTagName(TAG, COMMIT)).resolves.toEqual({ ok: true });
    await expect(l.reserveTagName(TAG, OTHER)).resolves.toEqual({
      ok: false,
      reason: 'reused',
      commit: COMMIT,
    });
  });

  test('once started, the name is spent: same commit → released (with execution and time), other → reused', async () => {
    const l = ledger();
    await l.reserveTagName(TAG, COMMIT);
    nowMs = T0 + 7000;
    await l.markTagStarted(TAG, COMMIT, 'exec-1');
    expect(await item(tagNameKey(TAG))).toMatchObject({
      state: { S: 'started' },
      executionId: { S: 'exec-1' },
      startedAt: { N: String(T0_SECONDS + 7) },
    });
    expect((await item(tagNameKey(TAG)))!.expiresAt).toBeUndefined();
    nowMs = T0 + 400 * 86400_000;
    await expect(l.reserveTagName(TAG, COMMIT)).resolves.toEqual({
      ok: false,
      reason: 'released',
      commit: COMMIT,
      executionId: 'exec-1',
      startedAt: T0_SECONDS + 7,
    });
    await expect(l.reserveTagName(TAG, OTHER)).resolves.toEqual({
      ok: false,
      reason: 'reused',
      commit: COMMIT,
    });
    expect((await item(tagNameKey(TAG)))!.state!.S).toBe('started'); // refused reservations change nothing
  });

  test('an item written before the state attribute existed counts as released', async () => {
    await dynamodb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: tagNameKey(TAG) }, tag: { S: TAG }, commit: { S: COMMIT }, createdAt: { N: '1' } },
      }),
    );
    await expect(ledger().reserveTagName(TAG, COMMIT)).resolves.toEqual({
      ok: false,
      reason: 'released',
      commit: COMMIT,
      executionId: undefined,
      startedAt: undefined,
    });
  });

  test('markTagStarted refuses another commit (the item is not changed)', async () => {
    const l = ledger();
    await l.reserveTagName(TAG, COMMIT);
    await expect(l.markTagStarted(TAG, OTHER, 'exec-1')).rejects.toThrow(/conditional/i);
    expect((await item(tagNameKey(TAG)))!.state!.S).toBe('reserved');
  });

  test('the stored tag name is cut at 1000 characters (the key hashes the whole name)', async () => {
    const long = 'y'.repeat(1200);
    await ledger().reserveTagName(long, COMMIT);
    expect((await item(tagNameKey(long)))!.tag!.S).toBe('y'.repeat(1000));
  });

  test('other DynamoDB errors propagate', async () => {
    const broken = new ReleaseLedger(dynamodb, {
      tableName: 'missing',
      pendingTimeoutSeconds: 60,
      retentionDays: 30,
    });
    await expect(broken.reserveTagName(TAG, COMMIT)).rejects.toThrow(
      /ResourceNotFound|not found|Requested resource/i,
    );
    await expect(broken.release('k', 'c')).rejects.toThrow(/ResourceNotFound|not found|Requested resource/i);
    await expect(broken.markDone('k', 'c', 'started')).rejects.toThrow(
      /ResourceNotFound|not found|Requested resource/i,
    );
  });
});

/** Spies on the client: `inject(command name, input)` may throw before the call reaches moto. */
function intercept(inject: (name: string, input: Record<string, unknown>) => void | Promise<void>): {
  calls: { name: string; input: Record<string, unknown> }[];
  restore: () => void;
} {
  const original = dynamodb.send.bind(dynamodb);
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  const spy = jest.spyOn(dynamodb, 'send').mockImplementation(async (command: unknown) => {
    const c = command as { constructor: { name: string }; input: Record<string, unknown> };
    calls.push({ name: c.constructor.name, input: c.input });
    await inject(c.constructor.name, c.input);
    return original(command as never);
  });
  return { calls, restore: () => spy.mockRestore() };
}

const throughput = (): Error =>
  Object.assign(new Error('Throughput exceeds the current capacity'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $metadata: {},
  });

describe('errors and races', () => {
  test('the error classes carry their names (callers and logs match on them)', () => {
    expect(new ReleaseInProgressError('x').name).toBe('ReleaseInProgressError');
    expect(new ClaimLostError('x').name).toBe('ClaimLostError');
  });

  // Catches: any error taken for a conditional failure (the claim would then read the item and answer busy/done).
  test.each([
    ['claim (first write)', 'PutItemCommand', 0],
    ['claim (takeover)', 'UpdateItemCommand', 61_000],
  ])('a throttled write in %s propagates; it is not a lost condition', async (_what, command, later) => {
    const l = ledger();
    if (command === 'UpdateItemCommand') await l.claim('k1', WHAT);
    nowMs = T0 + later;
    const spy = intercept((name) => {
      if (name === command) throw throughput();
    });
    try {
      await expect(l.claim('k1', WHAT)).rejects.toThrow(/Throughput exceeds/);
    } finally {
      spy.restore();
    }
  });

  test('a throttled tag-name reservation propagates; it is not a refusal', async () => {
    const spy = intercept((name) => {
      if (name === 'PutItemCommand') throw throughput();
    });
    try {
      await expect(ledger().reserveTagName('t', COMMIT)).rejects.toThrow(/Throughput exceeds/);
    } finally {
      spy.restore();
    }
  });

  test('a throttled release propagates', async () => {
    const l = ledger();
    await l.claim('k1', WHAT);
    const spy = intercept((name) => {
      if (name === 'DeleteItemCommand') throw throughput();
    });
    try {
      await expect(l.release('k1', 'claim-1')).rejects.toThrow(/Throughput exceeds/);
    } finally {
      spy.restore();
    }
  });

  // Catches: a takeover whose condition lost `#state <> :done` (its name or value): it would take over a finished item.
  test('a takeover racing the owner finishing: the takeover fails and the item reads done', async () => {
    const owner = ledger({ pendingTimeoutSeconds: 60 });
    await owner.claim('k1', WHAT);
    nowMs = T0 + 61_000;
    let raced = false;
    const spy = intercept(async (name) => {
      if (name === 'UpdateItemCommand' && !raced) {
        raced = true;
        spy.restore();
        await owner.markDone('k1', 'claim-1', 'started');
      }
    });
    await expect(ledger({ pendingTimeoutSeconds: 60 }).claim('k1', WHAT)).resolves.toMatchObject({
      status: 'done',
      record: { claimId: 'claim-1', outcome: 'started' },
    });
  });

  test('every read is strongly consistent (a stale read could start a release twice)', async () => {
    const spy = intercept(() => undefined);
    try {
      const l = ledger();
      await l.claim('k1', WHAT);
      await l.claim('k1', WHAT);
      await l.reserveTagName('t', COMMIT);
      await l.markTagStarted('t', COMMIT, 'e');
      await l.reserveTagName('t', COMMIT);
      await l.get('k1');
    } finally {
      spy.restore();
    }
    const reads = spy.calls.filter((c) => c.name === 'GetItemCommand');
    expect(reads.length).toBeGreaterThanOrEqual(3);
    for (const read of reads) expect(read.input.ConsistentRead).toBe(true);
  });

  // Catches: a broken condition of the reservation write (the read after a failed write would hide it).
  test('re-reserving a reserved name for the same commit takes one conditional write, no read', async () => {
    const l = ledger();
    await l.reserveTagName('t', COMMIT);
    const spy = intercept(() => undefined);
    try {
      await expect(l.reserveTagName('t', COMMIT)).resolves.toEqual({ ok: true });
    } finally {
      spy.restore();
    }
    expect(spy.calls.map((c) => c.name)).toEqual(['PutItemCommand']);
  });

  test('a name deleted by hand between the refused write and the read is refused, not silently released', async () => {
    const l = ledger();
    const spy = intercept((name) => {
      if (name === 'PutItemCommand')
        throw Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
    });
    try {
      await expect(l.reserveTagName('t', COMMIT)).resolves.toEqual({
        ok: false,
        reason: 'reused',
        commit: '(deleted)',
      });
    } finally {
      spy.restore();
    }
  });
});
