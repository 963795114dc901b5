import type { BuildSpecName } from './buildspec-loader';

/**
 * The shape of every environment pipeline as data (no CDK here): the construct builds it, and the stage budget,
 * `tfpf summary` and `tfpf doctor` read it, so what they report is what is deployed.
 */

/** The scanner actions; each writes JUnit into a report group of the same name. */
export const SCANNERS = ['tflint', 'checkov', 'tfsec'] as const;
export type Scanner = (typeof SCANNERS)[number];

/** Stage names, in order (Approval only when the environment requires it). */
export const STAGES = { source: 'Source', checks: 'Checks', approval: 'Approval', apply: 'Apply' } as const;

/** One CodeBuild action of a stage; actions of one stage with the same run order start together. */
export interface BuildActionLayout {
  readonly name: BuildSpecName;
  readonly runOrder: number;
}

/** Checks: the three scanners and plan, all in parallel on the source. */
export const CHECK_ACTIONS: readonly BuildActionLayout[] = [
  ...SCANNERS.map((name) => ({ name, runOrder: 1 })),
  { name: 'plan', runOrder: 1 },
];

/** Apply: the approved plan. */
export const APPLY_ACTIONS: readonly BuildActionLayout[] = [{ name: 'apply', runOrder: 1 }];
