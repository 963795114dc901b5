import type { BuildSpecName } from './buildspec-loader';
import type { ActionCompute, ProjectCompute, ResolvedCompute } from './compute';
import { APPLY_ACTIONS, CHECK_ACTIONS, type BuildActionLayout } from './pipeline-layout';

/**
 * What one release costs in build starts before a human can approve: the number of build starts that follow each
 * other (each waits for the one before), and the compute of each. An EC2 start is reported at 90 s to 4 min, a
 * Lambda compute start at seconds, so the EC2 starts on that path are what a release waits for.
 */
export interface StageBudget {
  readonly pipeline: string;
  readonly approval: boolean;
  /** The build starts before the approval (before apply when there is none), in order; each step starts together. */
  readonly steps: readonly (readonly { readonly action: BuildSpecName; readonly compute: ActionCompute }[])[];
  /** Steps before the approval that start at least one EC2 build. */
  readonly ec2StepsBeforeApproval: number;
  readonly apply: ActionCompute;
  /** Most builds of one release running at once, in all and per compute kind (maxima over the steps). */
  readonly peakBuilds: { readonly total: number; readonly lambda: number; readonly ec2: number };
  /** The same per environment size: CodeBuild has one concurrent-build quota per size. */
  readonly peakBySize: Readonly<Record<ProjectCompute, number>>;
}

function steps(actions: readonly BuildActionLayout[]): BuildSpecName[][] {
  const orders = [...new Set(actions.map((a) => a.runOrder))].sort((a, b) => a - b);
  return orders.map((order) => actions.filter((a) => a.runOrder === order).map((a) => a.name));
}

export function stageBudget(pipeline: string, approval: boolean, compute: ResolvedCompute): StageBudget {
  const checkSteps = steps(CHECK_ACTIONS).map((names) =>
    names.map((action) => ({ action, compute: compute[action] })),
  );
  const applySteps = steps(APPLY_ACTIONS).map((names) =>
    names.map((action) => ({ compute: compute[action] })),
  );
  let total = 0;
  let lambda = 0;
  let ec2 = 0;
  const peakBySize: Record<ProjectCompute, number> = { 'lambda-2gb': 0, 'lambda-4gb': 0, ec2: 0 };
  for (const step of [...checkSteps, ...applySteps]) {
    total = Math.max(total, step.length);
    lambda = Math.max(lambda, step.filter((s) => s.compute.kind === 'lambda').length);
    ec2 = Math.max(ec2, step.filter((s) => s.compute.kind === 'ec2').length);
    for (const size of Object.keys(peakBySize) as ProjectCompute[]) {
      peakBySize[size] = Math.max(peakBySize[size], step.filter((s) => s.compute.size === size).length);
    }
  }
  return {
    pipeline,
    approval,
    steps: checkSteps,
    ec2StepsBeforeApproval: checkSteps.filter((s) => s.some((a) => a.compute.kind === 'ec2')).length,
    apply: compute.apply,
    peakBuilds: { total, lambda, ec2 },
    peakBySize,
  };
}

/**
 * One line per pipeline, e.g. `tfpf-dev: 1 sequential build start before approval (tflint lambda ‖ checkov lambda
 * ‖ tfsec lambda ‖ plan lambda), 0 of them on EC2; then apply on ec2; at most 4 builds at once per release (Lambda
 * up to 4, EC2 up to 1)`. The AWS sample this descends from starts four EC2 builds one after another.
 */
export function describeStageBudget(budget: StageBudget): string {
  const n = budget.steps.length;
  const path = budget.steps
    .map((step) => step.map((s) => `${s.action} ${s.compute.kind}`).join(' ‖ '))
    .join(' → ');
  const gate = budget.approval ? 'approval' : 'apply (no approval)';
  return (
    `${budget.pipeline}: ${n} sequential build start${n === 1 ? '' : 's'} before ${gate} (${path}), ` +
    `${budget.ec2StepsBeforeApproval} of them on EC2; then apply on ${budget.apply.kind}; ` +
    `at most ${budget.peakBuilds.total} builds at once per release (${peakText(budget)})`
  );
}

/** `Lambda up to 4, EC2 up to 1`. */
export function peakText(budget: StageBudget): string {
  return `Lambda up to ${budget.peakBuilds.lambda}, EC2 up to ${budget.peakBuilds.ec2}`;
}
