import { createHash } from 'node:crypto';
import type { FactoryModel } from '../config/model';
import { resolveRelease, type Release, type TagRejectionCode } from '../tag';

/**
 * Pure core of the tag handler: reads an (untrusted) EventBridge event and decides whether it is ignored,
 * rejected, or a release candidate. No AWS calls; never throws.
 */

export const CODECOMMIT_SOURCE = 'aws.codecommit';
export const CODECOMMIT_DETAIL_TYPE = 'CodeCommit Repository State Change';

/** The fields of a CodeCommit reference event the handler uses, read defensively. */
export interface ReferenceEvent {
  readonly id?: string;
  readonly account?: string;
  readonly region?: string;
  readonly event: string;
  readonly repositoryName: string;
  readonly referenceType: string;
  readonly referenceName: string;
  readonly commitId?: string;
  readonly oldCommitId?: string;
  readonly callerUserArn?: string;
}

export type RejectionCode =
  | TagRejectionCode
  | 'moved-tag'
  | 'reused-tag'
  | 'already-released'
  | 'missing-commit'
  | 'not-a-commit'
  | 'no-main-branch'
  | 'not-on-main'
  | 'ancestry-unknown'
  | 'pipeline-not-found'
  | 'not-promoted';

export interface Rejection {
  readonly code: RejectionCode;
  readonly reason: string;
}

export type Decision =
  | { readonly action: 'ignore'; readonly reason: string }
  | { readonly action: 'reject'; readonly event: ReferenceEvent; readonly rejection: Rejection }
  | {
      readonly action: 'release';
      readonly event: ReferenceEvent;
      readonly release: Release;
      readonly commitId: string;
    };

/** Commit ids: SHA-1 (40 hex) or SHA-256 (64 hex), lowercase as CodeCommit reports them. */
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a CodeCommit reference event; a string explains why the input is not one. */
export function readReferenceEvent(input: unknown): ReferenceEvent | string {
  if (!isRecord(input)) return 'not an EventBridge event object';
  if (input.source !== CODECOMMIT_SOURCE) return 'not a CodeCommit event';
  if (input['detail-type'] !== CODECOMMIT_DETAIL_TYPE) return 'not a repository state change';
  const detail = input.detail;
  if (!isRecord(detail)) return 'event has no detail';
  const { event, repositoryName, referenceType, referenceName } = detail;
  if (typeof event !== 'string' || typeof repositoryName !== 'string')
    return 'detail lacks event/repositoryName';
  if (typeof referenceType !== 'string' || typeof referenceName !== 'string') {
    return 'detail lacks referenceType/referenceName';
  }
  return {
    id: optionalString(input, 'id'),
    account: optionalString(input, 'account'),
    region: optionalString(input, 'region'),
    event,
    repositoryName,
    referenceType,
    referenceName,
    commitId: optionalString(detail, 'commitId'),
    oldCommitId: optionalString(detail, 'oldCommitId'),
    callerUserArn: optionalString(detail, 'callerUserArn'),
  };
}

/**
 * Decides what to do with an event. Pure. The rules deliver only tags named `<configured env>_…`; the handler still
 * validates every tag event it receives and rejects (never ignores) a bad one, so the tagger is told why.
 */
export function decide(input: unknown, config: FactoryModel): Decision {
  const event = readReferenceEvent(input);
  if (typeof event === 'string') return { action: 'ignore', reason: event };
  if (event.repositoryName !== config.factory.repository) {
    return { action: 'ignore', reason: 'event of another repository' };
  }
  if (event.referenceType !== 'tag')
    return { action: 'ignore', reason: `not a tag (${event.referenceType})` };
  switch (event.event) {
    case 'referenceDeleted':
      return { action: 'ignore', reason: 'tag deleted (deleting a tag does nothing)' };
    case 'referenceUpdated':
      return {
        action: 'reject',
        event,
        rejection: {
          code: 'moved-tag',
          reason:
            'the tag was moved to another commit; release tags are immutable: push a new tag with a new version instead',
        },
      };
    case 'referenceCreated':
      break;
    default:
      return { action: 'ignore', reason: 'unknown reference event' };
  }
  const resolved = resolveRelease(event.referenceName, config);
  if (!resolved.ok) {
    return { action: 'reject', event, rejection: { code: resolved.code, reason: resolved.reason } };
  }
  if (event.commitId === undefined || !COMMIT_ID.test(event.commitId)) {
    return {
      action: 'reject',
      event,
      rejection: { code: 'missing-commit', reason: 'the event carries no valid commit id' },
    };
  }
  return { action: 'release', event, release: resolved.release, commitId: event.commitId };
}

function sha256(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Ledger key of a decision: one record per (event kind, tag, commit[, previous commit]). */
export function ledgerKey(event: ReferenceEvent): string {
  return sha256([event.event, event.referenceName, event.commitId ?? '', event.oldCommitId ?? '']);
}

/** `clientRequestToken` for StartPipelineExecution: derived from tag + commit (64 hex + prefix, ≤ 128 chars). */
export function clientRequestToken(tag: string, commitId: string): string {
  return `tfpf-${sha256([tag, commitId])}`;
}

/** Pipeline variables of a release (contract: every value non-empty, at most 1000 characters). */
export function pipelineVariables(release: Release, commitId: string): { name: string; value: string }[] {
  return [
    { name: 'RELEASE_TAG', value: release.tag },
    { name: 'ENVIRONMENT', value: release.environment },
    { name: 'REGION', value: release.region },
    { name: 'TARGET_REGION', value: release.targetRegion },
    { name: 'TEAM', value: release.team },
    { name: 'VERSION', value: release.version },
    { name: 'STATE_KEY', value: release.stateKey },
    { name: 'TARGET_ACCOUNT', value: release.account },
    { name: 'COMMIT_ID', value: commitId },
  ];
}
