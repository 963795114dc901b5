export {
  parseBuildSpec,
  loadBuildSpecFile,
  BuildSpecFormatError,
  PHASE_NAMES,
  type BuildSpec,
} from './buildspec';
export {
  executeBuild,
  junitCounts,
  type BuildRequest,
  type BuildResult,
  type ReportResult,
} from './execute-build';
export { CHECK_ACTIONS, type ActionName, type CheckAction } from './action-environment';
export { readToolVersions, resolveLocalToolchain, engineSupportsLockfile, type Engine } from './local-tools';
export { MotoAws } from './moto-state';
export {
  runRelease,
  RunSetupError,
  type LocalRunSettings,
  type RunRequest,
  type RunResult,
  type ActionOutcome,
  type StateOption,
} from './run-release';
export {
  runDrift,
  lastAppliedRun,
  localDriftRecordFile,
  readLocalDriftRecord,
  type DriftRequest,
  type DriftResult,
} from './run-drift';
