export { AWS_REGIONS, isAwsRegion, type AwsRegion } from './aws-regions';
export { configBuildEnvironment } from './build-environment';
export { ConfigError, formatProblem, type ConfigProblem } from './config-error';
export { buildModel, displayPath, loadConfig, FACTORY_FILE, type ConfigFile } from './load-config';
export {
  findEnvironment,
  type EnvironmentModel,
  type FactoryModel,
  type LayoutModel,
  type ScannersModel,
} from './model';
export {
  DEFAULT_LAYOUT_VARIABLES,
  environmentSchema,
  factorySchema,
  NAME_PATTERN,
  RELEASE_FIELDS,
  SCANNER_REPO_CONFIG_MODES,
  SEVERITIES,
  VAR_FILE_PLACEHOLDERS,
  type ReleaseField,
  type ScannerName,
  type ScannersConfig,
  type TflintPlugin,
  type EnvironmentConfig,
  type FactoryConfig,
  type LayoutConfig,
  type Severity,
  type TeamConfig,
  type ToolsConfig,
} from './schema';
