/**
 * IAM role names shared by the tooling account (CodeBuild project roles), the workload accounts (bootstrap
 * roles) and the buildspecs (which build `arn:<partition>:iam::<TARGET_ACCOUNT>:role/<name>`). Fixed names let each
 * side name the other without cross-account lookups.
 */

/** Prefix of every factory role name. Fixed: workload accounts trust these exact names. */
export const ROLE_PREFIX = 'tfpf';

/** Read-only role in a workload account, assumed by the plan project of the same environment: `tfpf-<env>-plan`. */
export function planRoleName(environment: string): string {
  return `${ROLE_PREFIX}-${environment}-plan`;
}

/** Role in a workload account that applies approved plans: `tfpf-<env>-apply`. */
export function applyRoleName(environment: string): string {
  return `${ROLE_PREFIX}-${environment}-apply`;
}

/** Service role of the environment's plan CodeBuild project in the tooling account: `tfpf-<env>-plan-project`. */
export function planProjectRoleName(environment: string): string {
  return `${ROLE_PREFIX}-${environment}-plan-project`;
}

/** Service role of the environment's apply CodeBuild project in the tooling account: `tfpf-<env>-apply-project`. */
export function applyProjectRoleName(environment: string): string {
  return `${ROLE_PREFIX}-${environment}-apply-project`;
}
