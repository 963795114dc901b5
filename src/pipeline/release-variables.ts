import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { PROMOTED_FROM } from '../deployment/promotion-gate';

/**
 * Pipeline variables set by the tag handler on StartPipelineExecution (contract shared with the handler, the
 * buildspecs and the local runner). Each CodeBuild action receives them under the same names.
 */
export const RELEASE_VARIABLES = [
  { name: 'RELEASE_TAG', description: 'The release tag, e.g. dev_eu-central-1/research/1.4.0' },
  { name: 'ENVIRONMENT', description: 'Environment of the release (the tag prefix)' },
  { name: 'REGION', description: 'Scope of the tag: a region code, or "global"' },
  { name: 'TARGET_REGION', description: 'Region Terraform targets: the scope, or the global region' },
  { name: 'TEAM', description: 'Team whose workload account is deployed' },
  { name: 'VERSION', description: 'Version part of the tag' },
  { name: 'STATE_KEY', description: 'State object key: <team>/<env>-<scope>/terraform.tfstate' },
  { name: 'TARGET_ACCOUNT', description: 'Workload account of the team in this environment' },
  { name: 'COMMIT_ID', description: 'The tagged commit (also the source revision of the execution)' },
] as const;

export type ReleaseVariableName = (typeof RELEASE_VARIABLES)[number]['name'];

/**
 * Declarations for the pipeline. None has a default value: an execution started without them (for example a
 * "Release change" click in the console) fails at the first action instead of running with made-up values.
 */
export function releaseVariableDeclarations(): Record<ReleaseVariableName, codepipeline.Variable> {
  const out = {} as Record<ReleaseVariableName, codepipeline.Variable>;
  for (const v of RELEASE_VARIABLES) {
    out[v.name] = new codepipeline.Variable({ variableName: v.name, description: v.description });
  }
  return out;
}

/**
 * `PROMOTED_FROM` of an environment with `promotion.from`: set by the tag handler to where and when the commit was
 * applied in the source environment; no default, like the release variables.
 */
export function promotedFromDeclaration(from: string): codepipeline.Variable {
  return new codepipeline.Variable({
    variableName: PROMOTED_FROM,
    description: `Where and when the commit was applied in ${from} before (promotion gate)`,
  });
}

/** Action environment variables `NAME = #{variables.NAME}` (PLAINTEXT) for every release variable. */
export function releaseActionEnvironment(
  variables: Readonly<Record<ReleaseVariableName, codepipeline.Variable>>,
): Record<string, codebuild.BuildEnvironmentVariable> {
  const out: Record<string, codebuild.BuildEnvironmentVariable> = {};
  for (const v of RELEASE_VARIABLES) {
    out[v.name] = {
      type: codebuild.BuildEnvironmentVariableType.PLAINTEXT,
      value: variables[v.name].reference(),
    };
  }
  return out;
}

/** Variables the plan action exports (buildspec `env.exported-variables`), read as `#{Plan.NAME}`. */
export const PLAN_EXPORTS = [
  'PLAN_ADD',
  'PLAN_CHANGE',
  'PLAN_DESTROY',
  'PLAN_REPLACE',
  'PLAN_FLAGS',
  'PLAN_SUMMARY',
  'PLAN_BUILD_URL',
  /** 64 hex characters: SHA-256 over the files apply consumes; apply receives it as `PLAN_DIGEST`. */
  'PLAN_DIGEST',
  /** Number of repository values that disagreed with the release values (and were overridden). */
  'PLAN_OVERRIDES',
  /** Drift mode only (the drift project; `not-checked` in the pipeline): none | drifted, read by the drift recorder. */
  'DRIFT_STATUS',
  /** Drift mode only: resources to add, change and destroy (Terraform's counts). */
  'DRIFT_ADD',
  'DRIFT_CHANGE',
  'DRIFT_DESTROY',
] as const;

/** Variables every scanner action exports (buildspec `env.exported-variables`), read as `#{<Namespace>.NAME}`. */
export const SCANNER_EXPORTS = [
  /** Number of checks the repository skipped (inline or config skips). */
  'SCAN_SKIPPED',
  /** Their ids, comma-separated (at most 200 characters). */
  'SCAN_SKIPPED_IDS',
] as const;

/** Namespace of each scanner action's exported variables. */
export const SCANNER_NAMESPACES = { tflint: 'Tflint', checkov: 'Checkov', tfsec: 'Tfsec' } as const;

/** Namespace of the source action's variables; `#{SourceVariables.CommitId}` is the commit it fetched. */
export const SOURCE_NAMESPACE = 'SourceVariables';

/**
 * `SOURCE_COMMIT = #{SourceVariables.CommitId}`: the commit the source action really fetched, for every CodeBuild
 * action. The buildspecs refuse to run when it differs from `COMMIT_ID` (the tagged commit).
 */
export function sourceCommitEnvironment(): Record<string, codebuild.BuildEnvironmentVariable> {
  return {
    SOURCE_COMMIT: {
      type: codebuild.BuildEnvironmentVariableType.PLAINTEXT,
      value: `#{${SOURCE_NAMESPACE}.CommitId}`,
    },
  };
}

/**
 * `PLAN_DIGEST = #{Plan.PLAN_DIGEST}` for the apply action: the digest travels through the pipeline, never in
 * the artifact it protects, so a replaced artifact cannot carry a matching digest.
 */
export function planDigestEnvironment(): Record<string, codebuild.BuildEnvironmentVariable> {
  return {
    PLAN_DIGEST: {
      type: codebuild.BuildEnvironmentVariableType.PLAINTEXT,
      value: `#{${PLAN_NAMESPACE}.PLAN_DIGEST}`,
    },
  };
}

/** Namespace of the plan action's exported variables. */
export const PLAN_NAMESPACE = 'Plan';
/** Name of the plan output artifact; the apply action reads it at `$CODEBUILD_SRC_DIR_PlanOutput`. */
export const PLAN_ARTIFACT = 'PlanOutput';
/** Name of the source action (the tag handler passes `sourceRevisions` for it). */
export const SOURCE_ACTION = 'Source';
