/** The events and notifications the release trigger emits (EventBridge `source: "tfpf"`, SNS failure topic). */
import { quoteUntrusted } from '../text/quote-untrusted';

export const RELEASE_EVENT_SOURCE = 'tfpf';
export const RELEASE_STARTED = 'Release Started';
export const RELEASE_REJECTED = 'Release Rejected';

/** Longest untrusted string copied into an event or notification. */
const MAX_FIELD = 1000;

export function bounded(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.length > MAX_FIELD ? `${value.slice(0, MAX_FIELD)}…` : value;
}

/** Detail of a `Release Rejected` event. */
export interface ReleaseRejectedDetail {
  readonly tag: string;
  readonly commit?: string;
  readonly callerUserArn?: string;
  readonly repository: string;
  readonly event: string;
  readonly code: string;
  readonly reason: string;
}

/** Detail of a `Release Started` event. */
export interface ReleaseStartedDetail {
  readonly tag: string;
  readonly commit: string;
  readonly callerUserArn?: string;
  readonly repository: string;
  readonly environment: string;
  readonly region: string;
  readonly targetRegion: string;
  readonly team: string;
  readonly version: string;
  readonly stateKey: string;
  readonly account: string;
  readonly pipeline: string;
  readonly executionId: string;
}

/** SNS subject (ASCII, one line, at most 100 characters). */
export function rejectionSubject(detail: ReleaseRejectedDetail): string {
  const subject = `tfpf: release tag rejected (${detail.code})`;
  return subject.length > 100 ? subject.slice(0, 100) : subject;
}

/** SNS message: what was rejected, by whom, why, and what to do. */
export function rejectionMessage(detail: ReleaseRejectedDetail): string {
  return [
    'A release tag was rejected: no pipeline was started.',
    '',
    `Tag:        ${quoteUntrusted(detail.tag)}`,
    `Commit:     ${detail.commit === undefined ? '(none)' : quoteUntrusted(detail.commit, 80)}`,
    `Tagged by:  ${detail.callerUserArn === undefined ? '(unknown)' : quoteUntrusted(detail.callerUserArn)}`,
    `Repository: ${detail.repository}`,
    `Event:      ${quoteUntrusted(detail.event, 40)}`,
    `Code:       ${detail.code}`,
    `Reason:     ${detail.reason}`,
    '',
    'Release tags are immutable: fix the cause, then push a new tag (a new version), e.g.',
    '  git tag dev_eu-central-1/research/1.4.1 <commit on main> && git push origin dev_eu-central-1/research/1.4.1',
    'Check a tag before pushing it with: npx tfpf tag <tag>',
  ].join('\n');
}
