import { ConfigError, loadConfig } from '../../config';
import { checkLockCoversConfig, readLockFile, ToolsLockError } from '../../tools';
import type { CliIo } from '../output';

/** `tfpf validate`: exit 0 when the configuration is valid, else 1 with every problem on stderr. */
export function validateCommand(configDir: string, io: CliIo): number {
  try {
    const model = loadConfig(configDir);
    const lockCheck = checkLockCoversConfig(model, readLockFile(configDir));
    lockCheck.warnings.forEach((warning) => io.err(`tfpf: warning: ${warning}`));
    if (lockCheck.problems.length > 0) throw new ConfigError(lockCheck.problems);
    const regions = new Set(model.environments.flatMap((e) => e.regions));
    const teams = new Set(model.environments.flatMap((e) => Object.keys(e.teams)));
    io.out(
      `configuration ${configDir} is valid: ${model.environments.length} environments (${model.environments
        .map((e) => e.environment)
        .join(', ')}), ${regions.size} regions, ${teams.size} teams`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ToolsLockError) {
      io.err(`tfpf: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
