export { BUILDSPEC_NAMES, BuildSpecError, loadBuildSpec, type BuildSpecName } from './buildspec-loader';
export { bundledCode } from './bundled-code';
export { skipCheckov } from './checkov';
export { EnvironmentPipeline, STAGES, type EnvironmentPipelineProps } from './environment-pipeline';
export { FACTORY_EVENT_SOURCE, FailureNotifier, type FailureNotifierProps } from './failure-notifier';
export {
  PLAN_ARTIFACT,
  PLAN_EXPORTS,
  PLAN_NAMESPACE,
  RELEASE_VARIABLES,
  SOURCE_ACTION,
} from './release-variables';
export { stateAccessStatements } from './state-access';
export { stateNames, type StateNames } from './state-names';
export { StateStore, type StateStoreProps } from './state-store';
export {
  SCANNERS,
  staticBuildEnvironment,
  TerraformProjects,
  type ScannerCompute,
  type TerraformProjectsProps,
} from './terraform-projects';
