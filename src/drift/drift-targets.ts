import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FactoryModel } from '../config/model';
import { resolveRelease } from '../tag';

/**
 * The state keys a drift check plans: every deployment record of the environment (`deployment#<env>#<scope>#<team>`
 * in the release ledger, written when a pipeline execution changes state) that names a last applied release
 * (`appliedTag`, `appliedVersion`, `appliedCommit`). Each release is resolved again against the configuration, so
 * only a release of this environment, with the team's configured account and the derived state key, reaches a build.
 */
export interface DriftTarget {
  readonly environment: string;
  /** Region, or `global`. */
  readonly scope: string;
  readonly team: string;
  readonly stateKey: string;
  readonly tag: string;
  readonly version: string;
  readonly commit: string;
  readonly targetRegion: string;
  readonly account: string;
}

/** A deployment record that names an applied release but cannot be checked, and why. */
export interface SkippedRecord {
  readonly key: string;
  readonly reason: string;
}

export interface DriftTargets {
  readonly targets: readonly DriftTarget[];
  readonly skipped: readonly SkippedRecord[];
}

/** Ledger scan pages read at most (1 MB each): far more deployment records than one environment has. */
const MAX_PAGES = 100;
const COMMIT = /^[0-9a-f]{40}$/;

/** The target of one deployment record; undefined when no release was applied there; a string when refused. */
export function driftTargetOf(
  item: Record<string, AttributeValue>,
  environment: string,
  config: FactoryModel,
): DriftTarget | string | undefined {
  const str = (name: string): string | undefined => item[name]?.S;
  const key = str('pk') ?? '';
  const tag = str('appliedTag');
  const commit = str('appliedCommit');
  if (commit === undefined) return undefined;
  if (item.kind?.S !== 'deployment')
    return `kind is ${JSON.stringify(item.kind?.S ?? null)}, not "deployment"`;
  if (!COMMIT.test(commit)) return `appliedCommit ${JSON.stringify(commit.slice(0, 80))} is not a commit id`;
  if (tag === undefined) return 'appliedTag is missing';
  const resolved = resolveRelease(tag, config);
  if (!resolved.ok)
    return `appliedTag ${JSON.stringify(tag.slice(0, 200))} is not a release: ${resolved.reason}`;
  const release = resolved.release;
  const expectedKey = `deployment#${release.environment}#${release.region}#${release.team}`;
  if (release.environment !== environment || key !== expectedKey) {
    return `appliedTag ${tag} belongs to ${expectedKey}, not ${key}`;
  }
  if (str('stateKey') !== undefined && str('stateKey') !== release.stateKey) {
    return `stateKey ${JSON.stringify(str('stateKey'))} is not ${release.stateKey}, the state key of ${tag}`;
  }
  if (str('appliedVersion') !== undefined && str('appliedVersion') !== release.version) {
    return `appliedVersion ${JSON.stringify(str('appliedVersion'))} is not ${release.version}, the version of ${tag}`;
  }
  return {
    environment: release.environment,
    scope: release.region,
    team: release.team,
    stateKey: release.stateKey,
    tag: release.tag,
    version: release.version,
    commit,
    targetRegion: release.targetRegion,
    account: release.account,
  };
}

/** Reads the environment's deployment records from the ledger and returns the releases to check, by state key. */
export async function listDriftTargets(
  client: DynamoDBClient,
  tableName: string,
  environment: string,
  config: FactoryModel,
): Promise<DriftTargets> {
  const targets: DriftTarget[] = [];
  const skipped: SkippedRecord[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': { S: `deployment#${environment}#` } },
        ConsistentRead: true,
        ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of response.Items ?? []) {
      const target = driftTargetOf(item, environment, config);
      if (typeof target === 'string') skipped.push({ key: item.pk?.S ?? '(no key)', reason: target });
      else if (target !== undefined) targets.push(target);
    }
    startKey = response.LastEvaluatedKey;
    if (startKey === undefined) break;
  }
  if (startKey !== undefined) {
    skipped.push({
      key: `deployment#${environment}#…`,
      reason: `more than ${MAX_PAGES} ledger pages: the rest was not read`,
    });
  }
  targets.sort((a, b) => (a.stateKey < b.stateKey ? -1 : a.stateKey > b.stateKey ? 1 : 0));
  return { targets, skipped };
}
