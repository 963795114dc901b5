/**
 * Names derived from the configuration. Pure functions shared by the CDK app, the tag handler, the CLI and the
 * local runner, so every part of the factory agrees on them.
 */

/** Scope of a release: a region code, or `global` for account-level resources. */
export type Scope = string;
export const GLOBAL_SCOPE = 'global';

/** `research/dev-eu-central-1/terraform.tfstate`; `research/dev-global/terraform.tfstate` for global scope. */
export function stateKey(team: string, environment: string, scope: Scope): string {
  return `${team}/${environment}-${scope}/terraform.tfstate`;
}

/** `<stateBucketPrefix>-<env>`. */
export function stateBucketName(prefix: string, environment: string): string {
  return `${prefix}-${environment}`;
}

/** `<stateBucketPrefix>-lock-<env>` (used when `locking: dynamodb`). */
export function lockTableName(prefix: string, environment: string): string {
  return `${prefix}-lock-${environment}`;
}

/** `<pipelineNamePrefix>-<env>`, e.g. `tfpf-dev`. */
export function pipelineName(prefix: string, environment: string): string {
  return `${prefix}-${environment}`;
}
/**
 * `<pipelineNamePrefix>-release-ledger`: the release ledger table (tag handler items, deployment and drift
 * records). Named, so `tfpf status` finds it from the configuration.
 */
export function releaseLedgerTableName(prefix: string): string {
  return `${prefix}-release-ledger`;
}

export { applyProjectRoleName, applyRoleName, planProjectRoleName, planRoleName, ROLE_PREFIX } from './roles';
export {
  SOURCE_IDENTITY_MAX_LENGTH,
  SOURCE_IDENTITY_PREFIX,
  sourceIdentity,
  sourceIdentityPattern,
} from './source-identity';
