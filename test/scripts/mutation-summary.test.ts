import { type ReportedMutant, summaryLines, tally } from '../../scripts/mutation-summary';

// The score `npm run mutate` reports per file and for all parts together: Stryker's definition.

describe('tally', () => {
  test('killed and timed out are detected; survived and without coverage are not; the rest does not count', () => {
    expect(
      tally([
        'Killed',
        'Killed',
        'Timeout',
        'Survived',
        'NoCoverage',
        'CompileError',
        'RuntimeError',
        'Ignored',
      ]),
    ).toEqual({ detected: 3, undetected: 2, score: 60 });
  });

  test('rounds to two decimals; no counted mutant is no score', () => {
    expect(tally(['Killed', 'Killed', 'Survived']).score).toBe(66.67);
    expect(tally(['Killed']).score).toBe(100);
    expect(tally(['Survived']).score).toBe(0);
    expect(tally(['Ignored', 'CompileError'])).toEqual({ detected: 0, undetected: 0, score: undefined });
  });
});

describe('summaryLines', () => {
  const mutant = (status: string, line = 1, replacement = '""'): ReportedMutant => ({
    status,
    mutatorName: 'StringLiteral',
    replacement,
    location: { start: { line, column: 3 }, end: { line, column: 9 } },
  });
  const mutants = (...statuses: string[]) => ({
    mutants: statuses.map((status, i) => mutant(status, i + 1)),
  });

  test('one line per file in path order across reports, relative to the working directory, then all', () => {
    const lines = summaryLines(
      [
        { files: { '/repo/src/b.ts': mutants('Killed', 'Survived'), '/repo/src/a.ts': mutants('Killed') } },
        { files: { 'src/c.ts': mutants('Ignored'), '/repo/src/a.ts': mutants('Killed', 'NoCoverage') } },
      ],
      '/repo',
    );
    expect(lines).toEqual([
      ' 50.00%      1 detected     1 undetected  src/a.ts',
      ' 50.00%      1 detected     1 undetected  src/b.ts',
      '      -      0 detected     0 undetected  src/c.ts',
      ' 50.00%      2 detected     2 undetected  all',
    ]);
  });

  test('a later report replaces the status of the same mutant only', () => {
    const part = {
      files: { 'src/a.ts': { mutants: [mutant('Survived', 4), mutant('Survived', 5), mutant('Killed', 6)] } },
    };
    const recheck = { files: { 'src/a.ts': { mutants: [mutant('Killed', 4), mutant('Killed', 5, '"x"')] } } };
    expect(summaryLines([part, recheck])).toEqual([
      ' 75.00%      3 detected     1 undetected  src/a.ts',
      ' 75.00%      3 detected     1 undetected  all',
    ]);
    expect(summaryLines([recheck, part])).toEqual([
      ' 50.00%      2 detected     2 undetected  src/a.ts',
      ' 50.00%      2 detected     2 undetected  all',
    ]);
  });
});
