import type { DeploymentRecord, DeploymentState, DriftRecord } from '../deployment/deployment-record';

/**
 * What runs where, one row per (environment, scope, team): pure, from deployment and drift records (the ledger's
 * or the local runner's).
 */

export interface StatusRow {
  readonly environment: string;
  readonly scope: string;
  readonly team: string;
  readonly version: string;
  readonly tag: string;
  readonly commit: string;
  readonly state: DeploymentState;
  /** ISO time of the state. */
  readonly when: string;
  readonly taggedBy: string | null;
  /** The last successful apply, when it is another release than the current one. */
  readonly applied: {
    readonly tag: string;
    readonly version: string;
    readonly commit: string;
    readonly at: string;
  } | null;
  /** ISO time of the first check that found drift, while the last apply is drifted. */
  readonly driftedSince: string | null;
}

export interface StatusFilter {
  readonly environment?: string;
  readonly team?: string;
}

const STATE_LABEL: Record<DeploymentState, string> = {
  running: 'running',
  'awaiting-approval': 'awaiting approval',
  applied: 'applied',
  failed: 'failed',
  rejected: 'rejected',
};

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A drift record speaks of the current apply only when it was checked after it: a check older than the last apply
 * says nothing about what runs now.
 */
function driftedSince(deployment: DeploymentRecord, drift: DriftRecord | undefined): string | null {
  if (drift === undefined || !drift.drifted) return null;
  if (deployment.applied !== undefined && drift.checkedAt < deployment.applied.at) return null;
  return iso(drift.driftedSince ?? drift.checkedAt);
}

/** One row per deployment record (sorted by environment, scope, team), filtered. */
export function statusRows(
  deployments: readonly DeploymentRecord[],
  drifts: readonly DriftRecord[],
  filter: StatusFilter = {},
): StatusRow[] {
  const slot = (r: { environment: string; scope: string; team: string }): string =>
    `${r.environment}#${r.scope}#${r.team}`;
  const driftBySlot = new Map(drifts.map((d) => [slot(d), d]));
  return deployments
    .filter((d) => filter.environment === undefined || d.environment === filter.environment)
    .filter((d) => filter.team === undefined || d.team === filter.team)
    .map((d) => ({
      environment: d.environment,
      scope: d.scope,
      team: d.team,
      version: d.version,
      tag: d.tag,
      commit: d.commit,
      state: d.state,
      when: iso(d.updatedAt),
      taggedBy: d.tagger ?? null,
      applied:
        d.applied === undefined || (d.state === 'applied' && d.applied.executionId === d.executionId)
          ? null
          : {
              tag: d.applied.tag,
              version: d.applied.version,
              commit: d.applied.commit,
              at: iso(d.applied.at),
            },
      driftedSince: driftedSince(d, driftBySlot.get(slot(d))),
    }))
    .sort((a, b) => slot(a).localeCompare(slot(b), 'en'));
}

/** Shortens an IAM ARN to its last part (`user/alice`, `assumed-role/x/alice`). */
function who(taggedBy: string | null): string {
  if (taggedBy === null) return '';
  const match = /^arn:[^:]+:(?:iam|sts)::\d{12}:(.+)$/.exec(taggedBy);
  return match?.[1] ?? taggedBy;
}

export const STATUS_HEADER = [
  'environment',
  'scope',
  'team',
  'version',
  'commit',
  'state',
  'when',
  'tagged by',
  'notes',
];

/** Table cells of a row. */
export function statusCells(row: StatusRow): string[] {
  const notes: string[] = [];
  if (row.driftedSince !== null) notes.push(`drifted since ${row.driftedSince}`);
  if (row.applied !== null)
    notes.push(`applied: ${row.applied.version} at ${row.applied.commit.slice(0, 7)}`);
  return [
    row.environment,
    row.scope,
    row.team,
    row.version,
    row.commit.slice(0, 7),
    STATE_LABEL[row.state],
    row.when,
    who(row.taggedBy),
    notes.join('; '),
  ];
}
