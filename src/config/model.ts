import type { EnvironmentConfig, FactoryConfig, LayoutConfig, ScannersConfig } from './schema';

/**
 * The infra repository layout, defaults resolved: root module per scope (`regional`, `global`, "." for the
 * repository root), optional `-target` per scope (`targets`), the var files (`varFiles` templates with {env}
 * {team} {scope} {region}, replacing the `vars` layering when set) and the Terraform variables that receive
 * release fields (`variables`, default region/account/environment/team/release_version).
 */
export type LayoutModel = LayoutConfig;

/**
 * Scanner settings, defaults resolved: `failOn`, `repoConfig` (report | ignore the repository's own scanner
 * configuration), factory `skip` lists per scanner ({ id, reason }) and pinned `tflintPlugins`.
 */
export type ScannersModel = ScannersConfig;

/** An environment after validation, with defaults and cross-file rules resolved. */
export interface EnvironmentModel extends Omit<EnvironmentConfig, 'protected' | '$schema'> {
  /** True when the environment must require approval (explicitly or via factory `protectedEnvironments`). */
  readonly protected: boolean;
  /** The file it was read from, as shown to users. */
  readonly file: string;
}

/** The whole validated configuration: factory settings and every environment, sorted by name. */
export interface FactoryModel {
  /** Absolute path of the configuration folder. */
  readonly dir: string;
  readonly factory: Omit<FactoryConfig, '$schema'>;
  readonly environments: readonly EnvironmentModel[];
}

export function findEnvironment(model: FactoryModel, name: string): EnvironmentModel | undefined {
  return model.environments.find((env) => env.environment === name);
}
