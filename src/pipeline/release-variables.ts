import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';

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
] as const;

/** Namespace of the plan action's exported variables. */
export const PLAN_NAMESPACE = 'Plan';
/** Name of the plan output artifact; the apply action reads it at `$CODEBUILD_SRC_DIR_PlanOutput`. */
export const PLAN_ARTIFACT = 'PlanOutput';
/** Name of the source action (the tag handler passes `sourceRevisions` for it). */
export const SOURCE_ACTION = 'Source';
