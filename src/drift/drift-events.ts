/** The `Drift Detected` event and the failure-topic notification of a drifted state key. */
import { RELEASE_EVENT_SOURCE } from '../trigger/release-events';
import type { DriftRecord } from './drift-record';

/** Same source as `Release Started` / `Release Rejected`. */
export const DRIFT_EVENT_SOURCE = RELEASE_EVENT_SOURCE;
export const DRIFT_DETECTED = 'Drift Detected';

/** Detail of a `Drift Detected` event. */
export interface DriftDetectedDetail {
  readonly environment: string;
  readonly scope: string;
  readonly team: string;
  readonly stateKey: string;
  /** The applied release whose plan shows the drift. */
  readonly tag: string;
  readonly commit: string;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** ISO 8601 times of this check and of the first check that found the drift. */
  readonly checkedAt: string;
  readonly driftedSince: string;
  readonly buildId: string;
}

export function driftDetectedDetail(record: DriftRecord): DriftDetectedDetail {
  return {
    environment: record.environment,
    scope: record.scope,
    team: record.team,
    stateKey: record.stateKey,
    tag: record.tag,
    commit: record.commit,
    add: record.add,
    change: record.change,
    destroy: record.destroy,
    checkedAt: new Date(record.checkedAt).toISOString(),
    driftedSince: new Date(record.driftedSince ?? record.checkedAt).toISOString(),
    buildId: record.buildId,
  };
}

/** One-line count summary, as Terraform prints it. */
export function driftCounts(record: Pick<DriftRecord, 'add' | 'change' | 'destroy'>): string {
  return `${record.add} to add, ${record.change} to change, ${record.destroy} to destroy`;
}

/** SNS subject (ASCII, one line, at most 100 characters). */
export function driftSubject(record: DriftRecord): string {
  const subject = `tfpf: drift detected in ${record.environment}_${record.scope}/${record.team}`;
  return subject.length > 100 ? subject.slice(0, 100) : subject;
}

/** SNS message: which state key drifted from which release, by how much, since when, and what to do. */
export function driftMessage(record: DriftRecord): string {
  const detail = driftDetectedDetail(record);
  return [
    'A scheduled drift check found changes: the state no longer matches the applied release.',
    '',
    `State key:      ${record.stateKey}`,
    `Release:        ${record.tag} (commit ${record.commit})`,
    `Plan:           ${driftCounts(record)}`,
    `Drifted since:  ${detail.driftedSince}`,
    `Checked:        ${detail.checkedAt}`,
    `Build:          ${record.buildId}`,
    '',
    'Find out what changed outside the pipeline (the build log shows the plan), then release again to restore the',
    'code, or change the code to adopt the change and release a new version.',
  ].join('\n');
}
