import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { driftKey, type DriftRecord as LedgerDriftRecord } from '../deployment/deployment-record';

/**
 * The drift record of one state key, kept for good in the release ledger (no `expiresAt`) under
 * `drift#<environment>#<scope>#<team>`: the last check of the state key's applied release. `driftedSince` is the
 * first check that found drift, kept while the checks keep finding it (for the same applied commit) and dropped
 * when a check finds none. Timestamps are epoch milliseconds. Pure: no AWS calls.
 */
export interface DriftRecord extends LedgerDriftRecord {
  readonly kind: 'drift';
}

/** What one drift check found. */
export type DriftCheck = Omit<DriftRecord, 'kind' | 'driftedSince'>;

/** Ledger key of the drift record of a state key. */
export function driftRecordKey(environment: string, scope: string, team: string): string {
  return driftKey({ environment, scope, team });
}

/** The record after `check`, given the previous record of the same key (if any). */
export function nextDriftRecord(previous: DriftRecord | undefined, check: DriftCheck): DriftRecord {
  const { drifted } = check;
  const stillDrifted =
    drifted &&
    previous !== undefined &&
    previous.drifted &&
    previous.commit === check.commit &&
    previous.driftedSince !== undefined &&
    previous.driftedSince <= check.checkedAt;
  return {
    kind: 'drift',
    ...check,
    ...(drifted ? { driftedSince: stillDrifted ? previous.driftedSince : check.checkedAt } : {}),
  };
}

/** The ledger item of a record (`pk` is the ledger table's partition key). */
export function driftRecordItem(record: DriftRecord): Record<string, AttributeValue> {
  const n = (value: number): AttributeValue => ({ N: String(value) });
  return {
    pk: { S: driftRecordKey(record.environment, record.scope, record.team) },
    kind: { S: 'drift' },
    environment: { S: record.environment },
    scope: { S: record.scope },
    team: { S: record.team },
    stateKey: { S: record.stateKey },
    tag: { S: record.tag },
    commit: { S: record.commit },
    checkedAt: n(record.checkedAt),
    drifted: { BOOL: record.drifted },
    ...(record.driftedSince === undefined ? {} : { driftedSince: n(record.driftedSince) }),
    add: n(record.add),
    change: n(record.change),
    destroy: n(record.destroy),
    buildId: { S: record.buildId },
  };
}

/** Reads a ledger item back; undefined when it is not a complete drift record. */
export function driftRecordFromItem(
  item: Record<string, AttributeValue> | undefined,
): DriftRecord | undefined {
  if (item === undefined || item.kind?.S !== 'drift' || item.drifted?.BOOL === undefined) return undefined;
  const str = (name: string): string | undefined => item[name]?.S;
  const num = (name: string): number | undefined => {
    const value = item[name]?.N;
    return value === undefined || !/^\d{1,16}$/.test(value) ? undefined : Number(value);
  };
  const fields = {
    environment: str('environment'),
    scope: str('scope'),
    team: str('team'),
    stateKey: str('stateKey'),
    tag: str('tag'),
    commit: str('commit'),
    buildId: str('buildId'),
    checkedAt: num('checkedAt'),
    add: num('add'),
    change: num('change'),
    destroy: num('destroy'),
  };
  if (Object.values(fields).some((value) => value === undefined)) return undefined;
  const since = num('driftedSince');
  return {
    kind: 'drift',
    ...(fields as { [K in keyof typeof fields]: NonNullable<(typeof fields)[K]> }),
    drifted: item.drifted.BOOL,
    ...(since === undefined ? {} : { driftedSince: since }),
  };
}
