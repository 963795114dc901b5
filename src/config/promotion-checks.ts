import type { ConfigProblem } from './config-error';
import type { EnvironmentConfig } from './schema';
import { formatFieldPath } from './schema-paths';
import { didYouMean } from './suggest';
import type { YamlSource } from './yaml-source';

/** An environment file that passed its own schema, with the source its problems point into. */
export interface ParsedEnvironment {
  readonly config: EnvironmentConfig;
  readonly source: YamlSource;
}

/**
 * Cross-file checks of `promotion.from`: the source environment exists, is not the environment itself, the chain
 * of sources has no cycle, and the source has every region and team of the target (otherwise no release of that
 * region or team could ever be promoted). Pure; returns every problem.
 */
export function checkPromotions(environments: readonly ParsedEnvironment[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const byName = new Map(environments.map((e) => [e.config.environment, e]));
  const names = [...byName.keys()].sort();
  for (const { config, source } of environments) {
    const from = config.promotion?.from;
    if (from === undefined) continue;
    const at = (field: readonly PropertyKey[], message: string): void => {
      problems.push({
        file: source.file,
        field: formatFieldPath(field),
        message,
        line: source.lineOf(field),
      });
    };
    const target = byName.get(from);
    if (from === config.environment) {
      at(['promotion', 'from'], `"${from}" is this environment itself: promote from another environment`);
      continue;
    }
    if (target === undefined) {
      at(
        ['promotion', 'from'],
        `"${from}" is not a configured environment${didYouMean(from, names)}; environments: ${names.join(', ')}`,
      );
      continue;
    }
    const cycle = promotionCycle(config.environment, byName);
    if (cycle !== undefined) {
      at(
        ['promotion', 'from'],
        `the promotion chain is circular (${cycle.join(' → ')}): one environment of it must release without promotion`,
      );
      continue;
    }
    const sourceFile = target.source.file;
    config.regions.forEach((region, index) => {
      if (!target.config.regions.includes(region)) {
        at(
          ['regions', index],
          `"${region}" is not a region of ${from} (${sourceFile}), which promotion.from names: no ${region} release could ever be promoted (add it to ${from} or remove it here)`,
        );
      }
    });
    for (const team of Object.keys(config.teams)) {
      if (!(team in target.config.teams)) {
        at(
          ['teams', team],
          `team "${team}" is not in ${from} (${sourceFile}), which promotion.from names: no release of ${team} could ever be promoted (add the team to ${from} or remove it here)`,
        );
      }
    }
  }
  return problems;
}

/** The cycle through `start` when following `promotion.from` returns to it, as [start, …, start]. */
function promotionCycle(start: string, byName: ReadonlyMap<string, ParsedEnvironment>): string[] | undefined {
  const path = [start];
  let current = byName.get(start)?.config.promotion?.from;
  // At most one step per environment: a longer walk without meeting `start` is a cycle elsewhere.
  for (let step = 0; step < byName.size && current !== undefined; step++) {
    path.push(current);
    if (current === start) return path;
    current = byName.get(current)?.config.promotion?.from;
  }
  return undefined;
}
