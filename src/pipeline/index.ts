export { BUILDSPEC_NAMES, BuildSpecError, loadBuildSpec, type BuildSpecName } from './buildspec-loader';
export { approvalMessage, CUSTOM_DATA_LIMIT, worstCaseResolvedLength } from './approval-message';
export { bundledCode } from './bundled-code';
export { skipCheckov } from './checkov';
export {
  describeCompute,
  resolveCompute,
  withComputeOverrides,
  type ActionCompute,
  type ProjectCompute,
  type ResolvedCompute,
} from './compute';
export { EnvironmentPipeline, STAGES, type EnvironmentPipelineProps } from './environment-pipeline';
export { FACTORY_EVENT_SOURCE, FailureNotifier, type FailureNotifierProps } from './failure-notifier';
export {
  LAMBDA_COMPUTE_REGIONS,
  lambdaComputeAvailable,
  lambdaComputeUnavailableReason,
  partitionOfRegion,
} from './lambda-compute-regions';
export { CHECK_ACTIONS, APPLY_ACTIONS, type BuildActionLayout } from './pipeline-layout';
export {
  PLAN_ARTIFACT,
  PLAN_EXPORTS,
  PLAN_NAMESPACE,
  RELEASE_VARIABLES,
  SCANNER_EXPORTS,
  SCANNER_NAMESPACES,
  SOURCE_ACTION,
  SOURCE_NAMESPACE,
} from './release-variables';
export { describeStageBudget, stageBudget, type StageBudget } from './stage-budget';
export { stateAccessStatements, type StateAccess } from './state-access';
export { stateNames, type StateNames } from './state-names';
export { StateStore, type StateStoreProps } from './state-store';
export {
  SCANNERS,
  staticBuildEnvironment,
  TerraformProjects,
  type ScannerCompute,
  type TerraformProjectsProps,
} from './terraform-projects';
