import type { EnvironmentConfig, FactoryConfig } from './schema';

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
