/** One problem found in the configuration, located by file, field path and (when known) line. */
export interface ConfigProblem {
  /** File as shown to the user, e.g. `pipelines/qa.yaml`. */
  readonly file: string;
  /** Field path such as `regions[1]` or `teams.research.account`; empty for the whole file. */
  readonly field: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
  /** 1-based line in the file, when the problem points at a YAML node. */
  readonly line?: number;
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.field === '' ? problem.file : `${problem.file}: ${problem.field}`;
  const line = problem.line === undefined ? '' : ` (line ${problem.line})`;
  return `${where}: ${problem.message}${line}`;
}

/** Every problem found while loading a configuration folder, reported together. */
export class ConfigError extends Error {
  public readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
