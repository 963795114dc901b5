import { createHash } from 'node:crypto';
import {
  clientRequestToken,
  decide,
  ledgerKey,
  readReferenceEvent,
  type ReferenceEvent,
} from '../../src/trigger/release-decision';
import { CALLER, COMMIT, defaultConfig, OTHER_COMMIT, referenceEvent } from './fixtures';

/**
 * The decision's every answer, exactly: reasons of ignored events (they are logged), the fields read from an event,
 * the commit id grammar and the derived keys (each a contract with the ledger and CodePipeline).
 */
const config = defaultConfig();

describe('readReferenceEvent: what is read, and why a non-event is not one', () => {
  test('every field the handler uses is read from the envelope and the detail', () => {
    expect(readReferenceEvent(referenceEvent({ event: 'referenceUpdated', id: 'evt-1' }))).toEqual({
      id: 'evt-1',
      account: '123456789012',
      region: 'eu-central-1',
      event: 'referenceUpdated',
      repositoryName: 'infra',
      referenceType: 'tag',
      referenceName: 'dev_eu-central-1/research/1.4.0',
      commitId: COMMIT,
      oldCommitId: OTHER_COMMIT,
      callerUserArn: CALLER,
    });
  });

  test('optional fields that are not strings are left out', () => {
    const event = referenceEvent() as Record<string, unknown> & { detail: Record<string, unknown> };
    const read = readReferenceEvent({
      ...event,
      id: 7,
      account: null,
      detail: { ...event.detail, commitId: 1, callerUserArn: {} },
    });
    expect(read).toMatchObject({
      id: undefined,
      account: undefined,
      commitId: undefined,
      callerUserArn: undefined,
    });
  });

  test.each([
    ['an array', [], 'not an EventBridge event object'],
    ['null', null, 'not an EventBridge event object'],
    ['a string', 'x', 'not an EventBridge event object'],
    ['another source', { ...referenceEvent(), source: 'aws.s3' }, 'not a CodeCommit event'],
    ['another detail type', { ...referenceEvent(), 'detail-type': 'X' }, 'not a repository state change'],
    ['no detail', { ...referenceEvent(), detail: 'x' }, 'event has no detail'],
    ['an array detail', { ...referenceEvent(), detail: [] }, 'event has no detail'],
  ])('%s → %j', (_what, input, reason) => {
    expect(readReferenceEvent(input)).toBe(reason);
  });

  test.each(['event', 'repositoryName'])('a detail without a string %s', (field) => {
    const event = referenceEvent() as { detail: Record<string, unknown> };
    expect(readReferenceEvent({ ...event, detail: { ...event.detail, [field]: 1 } })).toBe(
      'detail lacks event/repositoryName',
    );
  });

  test.each(['referenceType', 'referenceName'])('a detail without a string %s', (field) => {
    const event = referenceEvent() as { detail: Record<string, unknown> };
    expect(readReferenceEvent({ ...event, detail: { ...event.detail, [field]: 1 } })).toBe(
      'detail lacks referenceType/referenceName',
    );
  });
});

describe('decide: exact reasons', () => {
  test.each([
    ['another repository', referenceEvent({ repositoryName: 'other' }), 'event of another repository'],
    ['a branch', referenceEvent({ referenceType: 'branch' }), 'not a tag (branch)'],
    [
      'a deleted tag',
      referenceEvent({ event: 'referenceDeleted' }),
      'tag deleted (deleting a tag does nothing)',
    ],
  ])('%s is ignored: %j', (_what, event, reason) => {
    expect(decide(event, config)).toEqual({ action: 'ignore', reason });
  });

  test('a non-event is ignored with the reason it is not one', () => {
    expect(decide('x', config)).toEqual({ action: 'ignore', reason: 'not an EventBridge event object' });
  });

  test('an unknown reference event is ignored', () => {
    const event = referenceEvent() as { detail: Record<string, unknown> };
    expect(decide({ ...event, detail: { ...event.detail, event: 'referenceMoved' } }, config)).toEqual({
      action: 'ignore',
      reason: 'unknown reference event',
    });
  });

  test('a moved tag: the exact rejection', () => {
    expect(decide(referenceEvent({ event: 'referenceUpdated' }), config)).toMatchObject({
      action: 'reject',
      rejection: {
        code: 'moved-tag',
        reason:
          'the tag was moved to another commit; release tags are immutable: push a new tag with a new version instead',
      },
    });
  });

  test('a missing commit id: the exact rejection', () => {
    const event = referenceEvent() as { detail: Record<string, unknown> };
    const { commitId: _dropped, ...detail } = event.detail;
    expect(decide({ ...event, detail }, config)).toMatchObject({
      action: 'reject',
      rejection: { code: 'missing-commit', reason: 'the event carries no valid commit id' },
    });
  });

  test.each([
    ['SHA-1', 'a'.repeat(40), 'release'],
    ['SHA-256', 'b'.repeat(64), 'release'],
    ['39 hex', 'a'.repeat(39), 'reject'],
    ['41 hex', 'a'.repeat(41), 'reject'],
    ['upper case', 'A'.repeat(40), 'reject'],
    ['a prefix of junk', `x${'a'.repeat(40)}`, 'reject'],
    ['a suffix of junk', `${'a'.repeat(40)}x`, 'reject'],
    ['52 hex', 'a'.repeat(52), 'reject'],
  ])('commit id %s → %s', (_what, commitId, action) => {
    expect(decide(referenceEvent({ commitId }), config).action).toBe(action);
  });
});

describe('derived keys', () => {
  const sha = (parts: string[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  const read = (event: unknown): ReferenceEvent => {
    const r = readReferenceEvent(event);
    if (typeof r === 'string') throw new Error(r);
    return r;
  };

  test('ledger key: SHA-256 of [event, tag, commit, previous commit] (a contract with stored items)', () => {
    expect(ledgerKey(read(referenceEvent({ event: 'referenceUpdated' })))).toBe(
      sha(['referenceUpdated', 'dev_eu-central-1/research/1.4.0', COMMIT, OTHER_COMMIT]),
    );
    const deleted = referenceEvent({ event: 'referenceDeleted' }) as { detail: Record<string, unknown> };
    expect(ledgerKey(read(deleted))).toBe(
      sha(['referenceDeleted', 'dev_eu-central-1/research/1.4.0', '', COMMIT]),
    );
    expect(ledgerKey(read(referenceEvent()))).toBe(
      sha(['referenceCreated', 'dev_eu-central-1/research/1.4.0', COMMIT, '']),
    );
  });

  test('client request token: tfpf- and the SHA-256 of [tag, commit]', () => {
    expect(clientRequestToken('t', COMMIT)).toBe(`tfpf-${sha(['t', COMMIT])}`);
  });
});
