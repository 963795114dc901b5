import type { DeploymentStore, RecordOutcome } from '../deployment-store';
import { readExecutionEvent } from '../execution-events';

export const RECORDER_ENV = {
  /** The release ledger table. */
  table: 'TFPF_RELEASE_TABLE',
  /** JSON array of the factory's pipeline names. */
  pipelines: 'TFPF_PIPELINES',
} as const;

/**
 * How long after an event its execution may still be unregistered: the tag handler registers an execution right
 * after starting it (within a second), so the first events can arrive first. Within this window a missing
 * registration throws and Lambda retries the event (about 1 and 3 minutes later); after it, the execution was not
 * started by the tag handler and the event is ignored, so the last retry ignores it instead of dead-lettering it.
 */
export const REGISTRATION_WAIT_MS = 2 * 60_000;

export type RecorderResult =
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: RecordOutcome; readonly state: string; readonly key: string };

/** The registration is not there yet; the invocation fails so Lambda delivers the event again. */
export class RegistrationPendingError extends Error {
  override readonly name = 'RegistrationPendingError';
}

export interface RecorderDependencies {
  readonly store: DeploymentStore;
  /** The factory's pipelines: events of any other pipeline are ignored. */
  readonly pipelines: ReadonlySet<string>;
  readonly now?: () => number;
  readonly log?: (entry: Record<string, unknown>) => void;
}

/**
 * Turns CodePipeline execution and approval events into deployment records: maps the execution id back to its
 * release (the tag handler's registration) and writes the state, and on success the last apply, conditionally.
 */
export function createDeploymentRecorder(
  deps: RecorderDependencies,
): (event: unknown) => Promise<RecorderResult> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
  return async (event) => {
    const read = readExecutionEvent(event);
    if ('ignored' in read) {
      log({ message: 'event ignored', reason: read.ignored });
      return { status: 'ignored', reason: read.ignored };
    }
    const { change } = read;
    if (!deps.pipelines.has(change.pipeline)) {
      const reason = `pipeline ${change.pipeline} is not a factory pipeline`;
      log({ message: 'event ignored', reason });
      return { status: 'ignored', reason };
    }
    const registration = await deps.store.execution(change.executionId);
    if (registration === undefined) {
      if (now() - change.at < REGISTRATION_WAIT_MS) {
        throw new RegistrationPendingError(
          `execution ${change.executionId} of ${change.pipeline} is not registered yet; retrying`,
        );
      }
      const reason = `execution ${change.executionId} of ${change.pipeline} was not started by the tag handler`;
      log({ message: 'event ignored', reason });
      return { status: 'ignored', reason };
    }
    if (registration.pipelineName !== change.pipeline) {
      const reason = `execution ${change.executionId} is registered for ${registration.pipelineName}, not ${change.pipeline}`;
      log({ message: 'event ignored', reason });
      return { status: 'ignored', reason };
    }
    const outcome = await deps.store.recordTransition(registration, change);
    if (change.applied) await deps.store.recordApplied(registration, change.at);
    const key = `deployment#${registration.environment}#${registration.scope}#${registration.team}`;
    log({
      message: `deployment ${outcome}`,
      key,
      state: change.state,
      executionId: change.executionId,
      tag: registration.tag,
    });
    return { status: outcome, state: change.state, key };
  };
}
