import { ConfigError, loadConfig } from '../../config';
import type { CliIo } from '../output';

/** `tfpf validate`: exit 0 when the configuration is valid, else 1 with every problem on stderr. */
export function validateCommand(configDir: string, io: CliIo): number {
  try {
    const model = loadConfig(configDir);
    const regions = new Set(model.environments.flatMap((e) => e.regions));
    const teams = new Set(model.environments.flatMap((e) => Object.keys(e.teams)));
    io.out(
      `configuration ${configDir} is valid: ${model.environments.length} environments (${model.environments
        .map((e) => e.environment)
        .join(', ')}), ${regions.size} regions, ${teams.size} teams`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`tfpf: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
