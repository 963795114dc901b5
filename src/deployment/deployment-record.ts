import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * What runs where, kept in the release ledger table next to the tag handler's items (partition key `pk`), for good
 * (no `expiresAt`):
 * - one deployment record per (environment, scope, team): the latest execution's state and the last apply;
 * - one drift record per (environment, scope, team), written by the drift checks;
 * - one applied-commit record per (environment, scope, team, commit) ever applied there: the promotion gate's proof
 *   that a commit ran in the source environment, whatever was applied there since;
 * - one execution registration per started execution, written by the tag handler so the execution events can be
 *   mapped back to the release (kept `EXECUTION_RETENTION_DAYS`).
 */

export const DEPLOYMENT_STATES = ['running', 'awaiting-approval', 'applied', 'failed', 'rejected'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** Longer than the longest approval wait CodePipeline allows (60 days). */
export const EXECUTION_RETENTION_DAYS = 90;

/** Where a release runs: one state key. */
export interface Slot {
  readonly environment: string;
  /** A region code, or `global`. */
  readonly scope: string;
  readonly team: string;
}

/** The release an execution deploys, as the tag handler started it. */
export interface ExecutionRegistration extends Slot {
  readonly executionId: string;
  readonly pipelineName: string;
  readonly stateKey: string;
  readonly tag: string;
  readonly version: string;
  readonly commit: string;
  /** Who pushed the tag (CodeCommit `callerUserArn`), when known. */
  readonly tagger?: string;
  /** When the handler started the execution (epoch ms). */
  readonly startedAt: number;
}

/** The last successful apply of a slot. */
export interface AppliedRelease {
  readonly tag: string;
  readonly version: string;
  readonly commit: string;
  readonly executionId: string;
  /** Epoch ms. */
  readonly at: number;
}

export interface DeploymentRecord extends Slot {
  readonly stateKey: string;
  readonly tag: string;
  readonly version: string;
  readonly commit: string;
  readonly tagger?: string;
  readonly pipelineName: string;
  readonly executionId: string;
  readonly state: DeploymentState;
  /** Epoch ms of the event that set `state`. */
  readonly updatedAt: number;
  readonly applied?: AppliedRelease;
}

export interface DriftRecord extends Slot {
  readonly stateKey: string;
  readonly tag: string;
  readonly commit: string;
  readonly checkedAt: number;
  readonly drifted: boolean;
  readonly driftedSince?: number;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly buildId: string;
}

export const DEPLOYMENT_PREFIX = 'deployment#';
export const DRIFT_PREFIX = 'drift#';
export const EXECUTION_PREFIX = 'execution#';
export const APPLIED_PREFIX = 'applied#';

export function deploymentKey(slot: Slot): string {
  return `${DEPLOYMENT_PREFIX}${slot.environment}#${slot.scope}#${slot.team}`;
}

export function driftKey(slot: Slot): string {
  return `${DRIFT_PREFIX}${slot.environment}#${slot.scope}#${slot.team}`;
}

export function appliedCommitKey(slot: Slot, commit: string): string {
  return `${APPLIED_PREFIX}${slot.environment}#${slot.scope}#${slot.team}#${commit}`;
}

export function executionKey(executionId: string): string {
  return `${EXECUTION_PREFIX}${executionId}`;
}

/** `research/eu-central-1`: how messages name a slot within an environment. */
export function slotName(slot: Slot): string {
  return `${slot.team}/${slot.scope}`;
}

type Item = Readonly<Record<string, AttributeValue>>;

const str = (item: Item, name: string): string | undefined => item[name]?.S;
const num = (item: Item, name: string): number | undefined => {
  const value = item[name]?.N;
  return value === undefined ? undefined : Number(value);
};

function isState(value: string | undefined): value is DeploymentState {
  return (DEPLOYMENT_STATES as readonly string[]).includes(value ?? '');
}

/** Reads a deployment record; undefined when the item is not one (or lacks what every record has). */
export function readDeploymentRecord(item: Item): DeploymentRecord | undefined {
  const state = str(item, 'state');
  const [environment, scope, team] = [str(item, 'environment'), str(item, 'scope'), str(item, 'team')];
  if (str(item, 'kind') !== 'deployment' || !isState(state)) return undefined;
  if (environment === undefined || scope === undefined || team === undefined) return undefined;
  const appliedCommit = str(item, 'appliedCommit');
  const appliedAt = num(item, 'appliedAt');
  const tagger = str(item, 'tagger');
  return {
    environment,
    scope,
    team,
    stateKey: str(item, 'stateKey') ?? '',
    tag: str(item, 'tag') ?? '',
    version: str(item, 'version') ?? '',
    commit: str(item, 'commit') ?? '',
    ...(tagger === undefined ? {} : { tagger }),
    pipelineName: str(item, 'pipelineName') ?? '',
    executionId: str(item, 'executionId') ?? '',
    state,
    updatedAt: num(item, 'updatedAt') ?? 0,
    ...(appliedCommit === undefined || appliedAt === undefined
      ? {}
      : {
          applied: {
            tag: str(item, 'appliedTag') ?? '',
            version: str(item, 'appliedVersion') ?? '',
            commit: appliedCommit,
            executionId: str(item, 'appliedExecutionId') ?? '',
            at: appliedAt,
          },
        }),
  };
}

/** Reads an applied-commit record (the last apply of one commit in a slot); undefined when the item is not one. */
export function readAppliedCommit(item: Item): AppliedRelease | undefined {
  const [commit, at] = [str(item, 'commit'), num(item, 'appliedAt')];
  if (str(item, 'kind') !== 'applied' || commit === undefined || at === undefined) return undefined;
  return {
    tag: str(item, 'tag') ?? '',
    version: str(item, 'version') ?? '',
    commit,
    executionId: str(item, 'executionId') ?? '',
    at,
  };
}

/** Reads a drift record (written by the drift checks); undefined when the item is not one. */
export function readDriftRecord(item: Item): DriftRecord | undefined {
  const [environment, scope, team] = [str(item, 'environment'), str(item, 'scope'), str(item, 'team')];
  if (str(item, 'kind') !== 'drift' || environment === undefined || scope === undefined || team === undefined)
    return undefined;
  const driftedSince = num(item, 'driftedSince');
  return {
    environment,
    scope,
    team,
    stateKey: str(item, 'stateKey') ?? '',
    tag: str(item, 'tag') ?? '',
    commit: str(item, 'commit') ?? '',
    checkedAt: num(item, 'checkedAt') ?? 0,
    drifted: item.drifted?.BOOL === true,
    ...(driftedSince === undefined ? {} : { driftedSince }),
    add: num(item, 'add') ?? 0,
    change: num(item, 'change') ?? 0,
    destroy: num(item, 'destroy') ?? 0,
    buildId: str(item, 'buildId') ?? '',
  };
}

/** Reads an execution registration; undefined when the item is not one. */
export function readExecutionRegistration(item: Item): ExecutionRegistration | undefined {
  const fields = [
    'environment',
    'scope',
    'team',
    'executionId',
    'pipelineName',
    'stateKey',
    'tag',
    'version',
    'commit',
  ] as const;
  const values: Partial<Record<(typeof fields)[number], string>> = {};
  for (const field of fields) {
    const value = str(item, field);
    if (value === undefined) return undefined;
    values[field] = value;
  }
  const startedAt = num(item, 'startedAt');
  if (str(item, 'kind') !== 'execution' || startedAt === undefined) return undefined;
  const tagger = str(item, 'tagger');
  return {
    ...(values as Record<(typeof fields)[number], string>),
    ...(tagger === undefined ? {} : { tagger }),
    startedAt,
  };
}
