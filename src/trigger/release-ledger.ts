import { createHash, randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * Release ledger: one DynamoDB item per (event, tag, commit), written with conditional puts, so duplicate deliveries
 * of an event (EventBridge is at least once) start nothing new and notify nobody twice.
 *
 * Life of an item: `pending` (claimed by one invocation, identified by `claimId`) → `started` (the pipeline execution
 * exists, `executionId` recorded) → `done` (the outcome event was emitted). An invocation that finds the item `done`
 * does nothing. One that finds it `pending`/`started` and fresh lets the owner finish (it throws
 * {@link ReleaseInProgressError} and is retried later); when the item is older than the pending timeout, the owner
 * crashed: it takes the claim over with a conditional update and resumes: StartPipelineExecution again with the same
 * `clientRequestToken`, or only the `Release Started` event when the execution id was already recorded.
 *
 * Event items expire after `retentionDays` (DynamoDB TTL on `expiresAt`). Next to them, one item per tag name
 * (`tag#<sha256>`, no `expiresAt`) remembers for good which commit the name was reserved for and whether its release
 * started: see {@link ReleaseLedger.reserveTagName}.
 */

export type LedgerState = 'pending' | 'started' | 'done';

export interface LedgerRecord {
  readonly key: string;
  readonly state: LedgerState;
  readonly claimId: string;
  readonly tag: string;
  readonly commit: string;
  readonly event: string;
  readonly outcome?: string;
  readonly executionId?: string;
  readonly updatedAt: number;
}

/** Outcome of {@link ReleaseLedger.reserveTagName}. */
export type TagReservation =
  | { readonly ok: true }
  /** The name is reserved for another commit. */
  | { readonly ok: false; readonly reason: 'reused'; readonly commit: string }
  /** The name was already released from this commit. */
  | {
      readonly ok: false;
      readonly reason: 'released';
      readonly commit: string;
      readonly executionId?: string;
      readonly startedAt?: number;
    };

export type Claim =
  | { readonly status: 'claimed'; readonly claimId: string; readonly resumed?: LedgerRecord }
  | { readonly status: 'done'; readonly record: LedgerRecord }
  | { readonly status: 'busy'; readonly record: LedgerRecord };

/** Another invocation is processing the same event right now; retrying later finds it finished. */
export class ReleaseInProgressError extends Error {
  override readonly name = 'ReleaseInProgressError';
}

/** Lost a claim to another invocation (the item changed under us). */
export class ClaimLostError extends Error {
  override readonly name = 'ClaimLostError';
}

export interface LedgerOptions {
  readonly tableName: string;
  /** Seconds after which a `pending`/`started` item is considered abandoned. */
  readonly pendingTimeoutSeconds: number;
  /** Days an item is kept (DynamoDB TTL). */
  readonly retentionDays: number;
  /** Clock in milliseconds; default Date.now. */
  readonly now?: () => number;
  readonly newClaimId?: () => string;
}

const CONDITIONAL_FAILED = 'ConditionalCheckFailedException';

/** Ledger key of a tag name (distinct from event keys, which are plain hex digests). */
export function tagNameKey(tag: string): string {
  return `tag#${createHash('sha256').update(tag).digest('hex')}`;
}
const MAX_CLAIM_ATTEMPTS = 3;

function isConditionalFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === CONDITIONAL_FAILED;
}

function s(value: string): AttributeValue {
  return { S: value };
}

function n(value: number): AttributeValue {
  return { N: String(value) };
}

function readRecord(key: string, item: Record<string, AttributeValue>): LedgerRecord {
  const str = (name: string): string | undefined => item[name]?.S;
  const state = str('state');
  return {
    key,
    state: state === 'started' || state === 'done' ? state : 'pending',
    claimId: str('claimId') ?? '',
    tag: str('tag') ?? '',
    commit: str('commit') ?? '',
    event: str('event') ?? '',
    outcome: str('outcome'),
    executionId: str('executionId'),
    updatedAt: Number(item.updatedAt?.N ?? '0'),
  };
}

export class ReleaseLedger {
  private readonly now: () => number;
  private readonly newClaimId: () => string;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: LedgerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.newClaimId = options.newClaimId ?? randomUUID;
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Claims `key` for this invocation, or reports that it is finished or being processed. */
  async claim(key: string, what: { tag: string; commit: string; event: string }): Promise<Claim> {
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const claimId = this.newClaimId();
      const now = this.seconds();
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: {
              pk: s(key),
              state: s('pending'),
              claimId: s(claimId),
              tag: s(what.tag.slice(0, 1000)),
              commit: s(what.commit),
              event: s(what.event),
              createdAt: n(now),
              updatedAt: n(now),
              expiresAt: n(now + this.options.retentionDays * 86400),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { status: 'claimed', claimId };
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
      const existing = await this.get(key);
      if (existing === undefined) continue; // deleted in between (a released claim): try again
      if (existing.state === 'done') return { status: 'done', record: existing };
      if (now - existing.updatedAt < this.options.pendingTimeoutSeconds)
        return { status: 'busy', record: existing };
      // Abandoned by a crashed invocation: take it over, unless someone else just did.
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: { pk: s(key) },
            UpdateExpression: 'SET claimId = :new, updatedAt = :now ADD takeovers :one',
            ConditionExpression: 'claimId = :old AND #state <> :done',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':new': s(claimId),
              ':old': s(existing.claimId),
              ':now': n(now),
              ':one': n(1),
              ':done': s('done'),
            },
          }),
        );
        return { status: 'claimed', claimId, resumed: existing };
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
    }
    throw new ReleaseInProgressError(`could not claim ledger item ${key}: it keeps changing`);
  }

  /**
   * Reserves a tag name for a commit, for good: the item never expires (no `expiresAt`), so neither a tag deleted and
   * pushed again on another commit (a moved tag in disguise) nor one pushed again on the same commit after it was
   * released (a stale clone's `git push --tags`, once the event item has expired) starts anything.
   *
   * The item is `reserved` until {@link markTagStarted} records the started execution. A reservation that never
   * started (the attempt failed, or was rejected as pipeline-not-found) may be taken again for the same commit, in the
   * same conditional write; the event items serialise invocations, and a started tag is reached again only once its
   * event item is gone. An item written before the `state` attribute existed counts as started.
   */
  async reserveTagName(tag: string, commit: string): Promise<TagReservation> {
    const key = tagNameKey(tag);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            pk: s(key),
            tag: s(tag.slice(0, 1000)),
            commit: s(commit),
            state: s('reserved'),
            createdAt: n(this.seconds()),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#commit = :commit AND #state = :reserved)',
          ExpressionAttributeNames: { '#commit': 'commit', '#state': 'state' },
          ExpressionAttributeValues: { ':commit': s(commit), ':reserved': s('reserved') },
        }),
      );
      return { ok: true };
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: { pk: s(key) }, ConsistentRead: true }),
    );
    // The item exists and is for another commit, or already started (or it was deleted by hand in between: refused
    // all the same, rather than released without a reservation).
    const existingCommit = Item?.commit?.S;
    if (existingCommit !== commit)
      return { ok: false, reason: 'reused', commit: existingCommit ?? '(deleted)' };
    return {
      ok: false,
      reason: 'released',
      commit: existingCommit,
      executionId: Item?.executionId?.S,
      startedAt: Item?.startedAt?.N === undefined ? undefined : Number(Item.startedAt.N),
    };
  }

  /** Records that the release of `tag` from `commit` started `executionId`: from now on the name is spent. */
  async markTagStarted(tag: string, commit: string, executionId: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { pk: s(tagNameKey(tag)) },
        UpdateExpression: 'SET #state = :started, executionId = :executionId, startedAt = :now',
        ConditionExpression: '#commit = :commit',
        ExpressionAttributeNames: { '#state': 'state', '#commit': 'commit' },
        ExpressionAttributeValues: {
          ':started': s('started'),
          ':executionId': s(executionId),
          ':now': n(this.seconds()),
          ':commit': s(commit),
        },
      }),
    );
  }

  async get(key: string): Promise<LedgerRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: { pk: s(key) }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : readRecord(key, Item);
  }

  /** Records the started execution (only while we hold the claim). */
  async markStarted(key: string, claimId: string, executionId: string): Promise<void> {
    await this.update(key, claimId, 'started', { executionId: s(executionId), outcome: s('started') });
  }

  /** Marks the item finished with `outcome` (`started` or `rejected`). */
  async markDone(key: string, claimId: string, outcome: string): Promise<void> {
    await this.update(key, claimId, 'done', { outcome: s(outcome) });
  }

  /** Gives a `pending` claim back (after an error before anything was started), so a retry starts afresh. */
  async release(key: string, claimId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { pk: s(key) },
          ConditionExpression: 'claimId = :mine AND #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':mine': s(claimId), ':pending': s('pending') },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  private async update(
    key: string,
    claimId: string,
    state: LedgerState,
    extra: Record<string, AttributeValue>,
  ): Promise<void> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, AttributeValue> = {
      ':mine': s(claimId),
      ':state': s(state),
      ':now': n(this.seconds()),
    };
    const sets = ['#state = :state', 'updatedAt = :now'];
    for (const [name, value] of Object.entries(extra)) {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: s(key) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'claimId = :mine',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionalFailure(error))
        throw new ClaimLostError(`ledger item ${key} was taken over by another invocation`);
      throw error;
    }
  }
}
