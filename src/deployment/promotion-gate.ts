import type { AppliedRelease, Slot } from './deployment-record';
import { slotName } from './deployment-record';

/**
 * The promotion gate, pure: a release of an environment with `promotion.from` starts only when its commit has been
 * applied successfully in the source environment for the same team and scope (at any time: a later apply there
 * does not make it unpromotable). Used by the tag handler (deployment
 * records) and the local runner (its run records) alike.
 */

export const NOT_PROMOTED = 'not-promoted';

/** Pipeline variable of a promoted release: where and when its commit was applied before (approval message). */
export const PROMOTED_FROM = 'PROMOTED_FROM';

/** Longest `PROMOTED_FROM` pipeline variable (the approval message's bound). */
export const PROMOTED_FROM_MAX = 120;

export type PromotionCheck =
  | { readonly ok: true; readonly from: string; readonly applied: AppliedRelease }
  | { readonly ok: false; readonly code: typeof NOT_PROMOTED; readonly reason: string };

const short = (commit: string): string => commit.slice(0, 7);

/** What the source environment ran for the same team and scope. */
export interface SourceApplies {
  /** The last apply of the release's commit there; undefined when it was never applied there. */
  readonly commit: AppliedRelease | undefined;
  /** The last apply of any commit there (for the reason); undefined when nothing was ever applied there. */
  readonly last: AppliedRelease | undefined;
}

/** Checks a release of `target` (environment, scope, team) from `commit` against the applies of `from`. */
export function checkPromotion(
  target: Slot,
  commit: string,
  from: string,
  source: SourceApplies,
): PromotionCheck {
  if (source.commit !== undefined && source.commit.commit === commit)
    return { ok: true, from, applied: source.commit };
  const lastApplied = source.last;
  const where = `${from} for ${slotName(target)}`;
  const last =
    lastApplied === undefined
      ? 'nothing has been applied there yet'
      : `last applied there: ${lastApplied.tag} at ${short(lastApplied.commit)} on ${new Date(lastApplied.at).toISOString()}`;
  return {
    ok: false,
    code: NOT_PROMOTED,
    reason: `commit ${short(commit)} has not been applied in ${where}; ${last}. ${target.environment} releases only what ${from} runs: release this commit to ${from} first (a ${from}_${target.scope}/${target.team}/<version> tag), then push a new ${target.environment} tag`,
  };
}

/** Value of the `PROMOTED_FROM` pipeline variable: where and when the commit was applied before. */
export function promotedFromText(check: Extract<PromotionCheck, { ok: true }>): string {
  const text = `${check.from} on ${new Date(check.applied.at).toISOString()} (execution ${check.applied.executionId})`;
  return text.length > PROMOTED_FROM_MAX ? text.slice(0, PROMOTED_FROM_MAX) : text;
}
