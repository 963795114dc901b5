import { AWS_REGIONS } from '../config/aws-regions';
import { PROMOTED_FROM, PROMOTED_FROM_MAX } from '../deployment/promotion-gate';
import { SCANNERS } from './pipeline-layout';
import { PLAN_NAMESPACE, SCANNER_NAMESPACES } from './release-variables';

/** CodePipeline's limit on a manual approval's CustomData, checked on the resolved text. */
export const CUSTOM_DATA_LIMIT = 1000;

const PLAN_FLAG_NAMES = ['DESTROY', 'IAM', 'NETWORK'];

/**
 * Longest value each variable the approval message reads can resolve to. Contract with the tag grammar and the
 * buildspecs: a release tag is at most 200 characters, `PLAN_SUMMARY` at most 250 (plan.yml truncates it),
 * `PLAN_DIGEST` 64 hex characters; counts are bounded generously at 6 digits.
 */
export const WORST_CASE_LENGTHS: Readonly<Record<string, number>> = {
  'variables.RELEASE_TAG': 200,
  'variables.COMMIT_ID': 40,
  'variables.TARGET_ACCOUNT': 12,
  [`variables.${PROMOTED_FROM}`]: PROMOTED_FROM_MAX,
  'variables.TARGET_REGION': Math.max(...AWS_REGIONS.map((r) => r.length)),
  [`${PLAN_NAMESPACE}.PLAN_SUMMARY`]: 250,
  [`${PLAN_NAMESPACE}.PLAN_FLAGS`]: Math.max('none'.length, PLAN_FLAG_NAMES.join(',').length),
  [`${PLAN_NAMESPACE}.PLAN_DIGEST`]: 64,
  [`${PLAN_NAMESPACE}.PLAN_OVERRIDES`]: 6,
  ...Object.fromEntries(SCANNERS.map((s) => [`${SCANNER_NAMESPACES[s]}.SCAN_SKIPPED`, 6])),
};

export interface ApprovalMessageOptions {
  /** The environment promotes from another (`promotion.from`): say where and when the commit was applied before. */
  readonly promoted?: boolean;
}

/**
 * The approval request (CustomData of the manual approval): what is released where, where and when a promoted
 * release was applied before, the plan counts and flags,
 * the plan digest apply will insist on, how many repository values the release values overrode, and how many
 * checks each scanner skipped. Skipped check ids (up to 200 characters each) would not fit the 1000-character
 * limit: they are in each scanner's build log and report.
 */
export function approvalMessage(options: ApprovalMessageOptions = {}): string {
  const skipped = SCANNERS.map((s) => `${s} #{${SCANNER_NAMESPACES[s]}.SCAN_SKIPPED}`).join(', ');
  return [
    'Release #{variables.RELEASE_TAG} (commit #{variables.COMMIT_ID})',
    'to account #{variables.TARGET_ACCOUNT} in #{variables.TARGET_REGION}.',
    ...(options.promoted === true ? [`Applied before in #{variables.${PROMOTED_FROM}}.`] : []),
    `Plan: #{${PLAN_NAMESPACE}.PLAN_SUMMARY}`,
    `Flags: #{${PLAN_NAMESPACE}.PLAN_FLAGS}.`,
    `Plan digest: sha256:#{${PLAN_NAMESPACE}.PLAN_DIGEST};`,
    `repo values overridden: #{${PLAN_NAMESPACE}.PLAN_OVERRIDES};`,
    `skipped checks: ${skipped}.`,
    'summary.md and plan.json are in the plan build.',
  ].join(' ');
}

/** Every `#{Namespace.NAME}` reference of a text. */
export function variableReferences(text: string): string[] {
  return [...text.matchAll(/#\{([A-Za-z0-9_@-]+\.[A-Za-z0-9_@-]+)\}/g)].map((m) => m[1]);
}

/**
 * Length of `text` once CodePipeline has resolved every variable to its longest value. A reference without a
 * known bound is an error, so a new variable in the message cannot slip past the limit check.
 */
export function worstCaseResolvedLength(text: string): number {
  let length = text.length;
  for (const ref of variableReferences(text)) {
    const bound = WORST_CASE_LENGTHS[ref];
    if (bound === undefined) throw new Error(`approval message: no worst-case length known for #{${ref}}`);
    length += bound - `#{${ref}}`.length;
  }
  return length;
}
