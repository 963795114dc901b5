import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Mutation scores per file and per part from StrykerJS JSON reports (`npm run mutate` writes one per part to
 * coverage/mutation/<part>.json): `node --require tsx/cjs scripts/mutation-summary.ts [report.json ...]`.
 * The score is Stryker's: detected (killed or timed out) over detected and undetected (survived or without
 * coverage); mutants that failed to compile or run, and ignored ones, do not count. A mutant found in more than
 * one report (the same file, place, mutator and replacement) takes its status from the last report given: a
 * recheck of a part's survivors against more tests (part `config`) replaces what the part found.
 */

/** The part of a mutation-testing-report-schema report this summary reads. */
export interface ReportedMutant {
  readonly status: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly location: {
    readonly start: { readonly line: number; readonly column: number };
    readonly end: { readonly line: number; readonly column: number };
  };
}

export interface MutationReport {
  readonly files: Readonly<Record<string, { readonly mutants: readonly ReportedMutant[] }>>;
}

export interface MutationTally {
  readonly detected: number;
  readonly undetected: number;
  /** Percent with two decimals, or undefined when no mutant counts. */
  readonly score: number | undefined;
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

export function tally(statuses: readonly string[]): MutationTally {
  const detected = statuses.filter((s) => DETECTED.has(s)).length;
  const undetected = statuses.filter((s) => UNDETECTED.has(s)).length;
  const total = detected + undetected;
  return {
    detected,
    undetected,
    score: total === 0 ? undefined : Math.round((detected / total) * 10000) / 100,
  };
}

/** One line per file (sorted by path), then one for all of them together. */
export function summaryLines(reports: readonly MutationReport[], cwd: string = process.cwd()): string[] {
  const byFile = new Map<string, Map<string, string>>();
  for (const report of reports) {
    for (const [file, { mutants }] of Object.entries(report.files)) {
      const shown = path.isAbsolute(file) ? path.relative(cwd, file) : file;
      const statuses = byFile.get(shown) ?? new Map<string, string>();
      for (const { status, mutatorName, replacement, location } of mutants) {
        const { start, end } = location;
        statuses.set(
          `${start.line}:${start.column}-${end.line}:${end.column} ${mutatorName} ${replacement}`,
          status,
        );
      }
      byFile.set(shown, statuses);
    }
  }
  const line = (name: string, t: MutationTally): string => {
    const score = t.score === undefined ? '-' : `${t.score.toFixed(2)}%`;
    return `${score.padStart(7)}  ${String(t.detected).padStart(5)} detected  ${String(t.undetected).padStart(4)} undetected  ${name}`;
  };
  const files = [...byFile.keys()].sort();
  const statusesOf = (file: string): string[] => [...(byFile.get(file)?.values() ?? [])];
  return [
    ...files.map((file) => line(file, tally(statusesOf(file)))),
    line('all', tally(files.flatMap(statusesOf))),
  ];
}

if (require.main === module) {
  const given = process.argv.slice(2);
  const dir = path.join('coverage', 'mutation');
  const reports =
    given.length > 0
      ? given
      : fs.existsSync(dir)
        ? fs
            .readdirSync(dir)
            .filter((f) => f.endsWith('.json'))
            .map((f) => path.join(dir, f))
        : [];
  if (reports.length === 0) {
    console.error(`no mutation reports: run npm run mutate first (it writes ${dir}/<part>.json)`);
    process.exit(2);
  }
  for (const line of summaryLines(
    reports.map((file) => JSON.parse(fs.readFileSync(file, 'utf8')) as MutationReport),
  ))
    console.log(line);
}
