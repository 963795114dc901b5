import type { DeploymentState } from './deployment-record';

/**
 * Pure reading of the CodePipeline events the deployment recorder receives: which execution changed, to which
 * deployment state, and when. No AWS calls; never throws.
 */

export const CODEPIPELINE_SOURCE = 'aws.codepipeline';
export const EXECUTION_STATE_CHANGE = 'CodePipeline Pipeline Execution State Change';
export const ACTION_STATE_CHANGE = 'CodePipeline Action Execution State Change';

/** Execution states that change a deployment record (STOPPING and the like change nothing). */
export const RECORDED_EXECUTION_STATES = [
  'STARTED',
  'RESUMED',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'CANCELED',
  'SUPERSEDED',
] as const;
/** Approval action states that change a deployment record. */
export const RECORDED_APPROVAL_STATES = ['STARTED', 'SUCCEEDED', 'FAILED'] as const;

/**
 * Order of the events of one execution that carry the same timestamp (event times have one-second resolution):
 * started, waiting for approval, approved (running again), then the end. `rejected` outranks the pipeline's own
 * `failed`, which follows it.
 */
export const PROGRESS = {
  started: 1,
  awaitingApproval: 2,
  approved: 3,
  finished: 4,
  rejected: 5,
} as const;

export interface ExecutionChange {
  readonly pipeline: string;
  readonly executionId: string;
  readonly state: DeploymentState;
  /** Epoch ms of the event. */
  readonly at: number;
  readonly progress: number;
  /** The event is the end of a successful execution: its apply succeeded. */
  readonly applied: boolean;
}

export type ReadEvent = { readonly change: ExecutionChange } | { readonly ignored: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function executionChange(
  detail: Record<string, unknown>,
  at: number,
  state: DeploymentState,
  progress: number,
): ReadEvent {
  const { pipeline } = detail;
  const executionId = detail['execution-id'];
  if (typeof pipeline !== 'string' || typeof executionId !== 'string')
    return { ignored: 'detail lacks pipeline/execution-id' };
  return { change: { pipeline, executionId, state, at, progress, applied: state === 'applied' } };
}

function fromExecutionState(state: string): { state: DeploymentState; progress: number } | undefined {
  switch (state) {
    case 'STARTED':
    case 'RESUMED':
      return { state: 'running', progress: PROGRESS.started };
    case 'SUCCEEDED':
      return { state: 'applied', progress: PROGRESS.finished };
    case 'FAILED':
    case 'STOPPED':
    case 'CANCELED':
    case 'SUPERSEDED':
      return { state: 'failed', progress: PROGRESS.finished };
    default:
      return undefined;
  }
}

function fromApprovalState(state: string): { state: DeploymentState; progress: number } | undefined {
  switch (state) {
    case 'STARTED':
      return { state: 'awaiting-approval', progress: PROGRESS.awaitingApproval };
    case 'SUCCEEDED':
      return { state: 'running', progress: PROGRESS.approved };
    case 'FAILED':
      // Rejected by a reviewer, or expired.
      return { state: 'rejected', progress: PROGRESS.rejected };
    default:
      return undefined;
  }
}

/** Reads a CodePipeline execution or approval-action state change. */
export function readExecutionEvent(input: unknown): ReadEvent {
  if (!isRecord(input)) return { ignored: 'not an EventBridge event object' };
  if (input.source !== CODEPIPELINE_SOURCE) return { ignored: 'not a CodePipeline event' };
  const { detail } = input;
  if (!isRecord(detail) || typeof detail.state !== 'string') return { ignored: 'event has no detail state' };
  const at = typeof input.time === 'string' ? Date.parse(input.time) : Number.NaN;
  if (Number.isNaN(at)) return { ignored: 'event has no valid time' };
  if (input['detail-type'] === EXECUTION_STATE_CHANGE) {
    const mapped = fromExecutionState(detail.state);
    if (mapped === undefined) return { ignored: `execution state ${detail.state} changes no record` };
    return executionChange(detail, at, mapped.state, mapped.progress);
  }
  if (input['detail-type'] === ACTION_STATE_CHANGE) {
    const type = detail.type;
    if (!isRecord(type) || type.category !== 'Approval') return { ignored: 'not an approval action' };
    const mapped = fromApprovalState(detail.state);
    if (mapped === undefined) return { ignored: `approval state ${detail.state} changes no record` };
    return executionChange(detail, at, mapped.state, mapped.progress);
  }
  return { ignored: 'not an execution or action state change' };
}
