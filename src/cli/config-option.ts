import { ConfigError, loadConfig, type FactoryModel } from '../config';
import type { CliIo } from './output';

/** Default configuration folder: `$TFPF_CONFIG`, else `pipelines` in the working directory. */
export function defaultConfigDir(): string {
  return process.env.TFPF_CONFIG ?? 'pipelines';
}

/** Exit code for an invalid configuration (distinct from 1, a rejected tag or failed stage). */
export const EXIT_CONFIG = 2;

/** Loads the configuration, or prints every problem and returns undefined. */
export function loadConfigOrReport(dir: string, io: CliIo): FactoryModel | undefined {
  try {
    return loadConfig(dir);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`tfpf: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}
