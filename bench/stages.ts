/**
 * Benchmark of the local runner's stages on examples/infra (real tools, embedded moto):
 *   - wall time of each action and stage (Checks, Apply);
 *   - the four checks in parallel versus one after another (target: parallel <= 0.6 x the sequential sum).
 *
 *   node --require tsx/cjs bench/stages.ts [rounds]      (default 2 rounds; prints a table and one JSON line)
 *
 * Each round runs the same release twice on a fresh state folder: once in parallel with --approve (Checks, then
 * Apply), once sequentially without approval. The machine's load average is printed: on a shared 2-core machine
 * other work changes the figures a lot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../src/cli/output';
import { renderTable } from '../src/cli/output';
import { loadConfig } from '../src/config';
import { projectRoot } from '../src/local/project-paths';
import { runRelease, type RunResult } from '../src/runner';

const quiet: CliIo = { out: () => undefined, err: (text) => process.stderr.write(`${text}\n`) };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function once(sequential: boolean, approve: boolean, dataDir: string): Promise<RunResult> {
  const result = await runRelease(
    {
      config: loadConfig(path.join(projectRoot(), 'pipelines')),
      tag: 'dev_us-east-1/research/1.0',
      repo: path.join(projectRoot(), 'examples', 'infra'),
      approve,
      sequential,
      dataDir,
    },
    quiet,
  );
  if (result.exitCode !== 0) throw new Error(`bench run failed: see ${result.runDir}`);
  return result;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? '2');
  const perAction: Record<string, number[]> = {};
  const parallelChecks: number[] = [];
  const sequentialChecks: number[] = [];
  const applies: number[] = [];
  const loads: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-bench-'));
    try {
      loads.push(os.loadavg()[0] as number);
      const parallel = await once(false, true, dataDir);
      parallelChecks.push(parallel.stageSeconds.Checks as number);
      applies.push(parallel.stageSeconds.Apply as number);
      const sequential = await once(true, false, dataDir);
      sequentialChecks.push(sequential.stageSeconds.Checks as number);
      for (const action of sequential.actions) (perAction[action.action] ??= []).push(action.seconds);
      for (const action of parallel.actions.filter((a) => a.action === 'apply')) {
        (perAction.apply ??= []).push(action.seconds);
      }
      process.stderr.write(`round ${round + 1}/${rounds} done\n`);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const sequentialSum = median(sequentialChecks);
  const parallel = median(parallelChecks);
  const rows = Object.entries(perAction).map(([action, values]) => [action, median(values).toFixed(1)]);
  process.stdout.write(`${renderTable(['action (alone)', 'median s'], rows)}\n\n`);
  process.stdout.write(
    `${renderTable(
      ['stage', 'median s'],
      [
        ['Checks, parallel', parallel.toFixed(1)],
        ['Checks, one after another', sequentialSum.toFixed(1)],
        ['Apply', median(applies).toFixed(1)],
      ],
    )}\n\n`,
  );
  const ratio = parallel / sequentialSum;
  process.stdout.write(
    `parallel / sequential = ${ratio.toFixed(2)} (target <= 0.60: ${ratio <= 0.6 ? 'met' : 'NOT met'}); ` +
      `${os.cpus().length} cores, load average at start ${loads.map((l) => l.toFixed(1)).join(', ')}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ rounds, parallel, sequential: sequentialSum, ratio, apply: median(applies), perAction: Object.fromEntries(rows) })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
