export { AWS_REGIONS, isAwsRegion, type AwsRegion } from './aws-regions';
export { ConfigError, formatProblem, type ConfigProblem } from './config-error';
export { buildModel, displayPath, loadConfig, FACTORY_FILE, type ConfigFile } from './load-config';
export { findEnvironment, type EnvironmentModel, type FactoryModel } from './model';
export {
  environmentSchema,
  factorySchema,
  NAME_PATTERN,
  SEVERITIES,
  type EnvironmentConfig,
  type FactoryConfig,
  type LayoutConfig,
  type Severity,
  type TeamConfig,
  type ToolsConfig,
} from './schema';
