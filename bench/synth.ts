/**
 * Synthesis benchmark (`node --require tsx/cjs bench/synth.ts`, part of `npm run bench`).
 *
 * For the shipped configuration and a generated one of 20 environments x 10 regions x 20 teams, it runs the CDK app
 * in fresh processes (as `cdk synth` does) and prints the median of 3 runs of:
 *   - app: constructing and synthesizing the app (what the CDK app spends after its modules are loaded),
 *   - process: the whole `node src/app.ts` process, module loading included,
 * with cdk-nag off (the default) and on (CI), and once without asset bundling (the release trigger's NodejsFunction
 * bundles through `npx esbuild`); then resource counts and template sizes per stack.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../src/config';
import { addFactoryStacks } from '../src/stacks';
import { cdkJsonContext, PROJECT_ROOT, writeGeneratedConfig } from '../test/support/test-app';

const RUNS = 3;
const CHILD_FLAG = '--child';

interface ChildResult {
  readonly constructMs: number;
  readonly synthMs: number;
  readonly stacks: { name: string; resources: number; bytes: number }[];
}

/** In the child: build and synthesize the app once, print timings and stack sizes as JSON. */
function child(configDir: string, nag: boolean, bundling: boolean): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-bench-out-'));
  const t0 = performance.now();
  // As src/app.ts: the built-in CloudFormation validation is off (cfn-lint runs in CI instead).
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { ...cdkJsonContext(), ...(bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  addFactoryStacks(app, loadConfig(configDir), { nag });
  const t1 = performance.now();
  const assembly = app.synth();
  const t2 = performance.now();
  const stacks = assembly.stacks.map((s) => {
    const text = fs.readFileSync(path.join(outdir, s.templateFile), 'utf8');
    return {
      name: s.stackName,
      resources: Object.keys((JSON.parse(text) as { Resources: object }).Resources).length,
      bytes: Buffer.byteLength(text),
    };
  });
  fs.rmSync(outdir, { recursive: true, force: true });
  const result: ChildResult = { constructMs: t1 - t0, synthMs: t2 - t1, stacks };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(
  configDir: string,
  nag: boolean,
  bundling: boolean,
): { wallMs: number; result: ChildResult } {
  const start = performance.now();
  const out = spawnSync(
    process.execPath,
    ['--require', 'tsx/cjs', __filename, CHILD_FLAG, configDir, String(nag), String(bundling)],
    { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const wallMs = performance.now() - start;
  if (out.status !== 0) throw new Error(`synthesis failed:\n${out.stderr}`);
  const line = out.stdout.trim().split('\n').pop() ?? '';
  return { wallMs, result: JSON.parse(line) as ChildResult };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function measure(label: string, configDir: string, nag: boolean, bundling: boolean): ChildResult {
  const runs = Array.from({ length: RUNS }, () => runChild(configDir, nag, bundling));
  const app = median(runs.map((r) => r.result.constructMs + r.result.synthMs));
  const construct = median(runs.map((r) => r.result.constructMs));
  const synth = median(runs.map((r) => r.result.synthMs));
  const wall = median(runs.map((r) => r.wallMs));
  console.log(
    `${label.padEnd(44)} app ${seconds(app).padStart(8)}  (construct ${seconds(construct)}, synth ${seconds(synth)})   process ${seconds(wall).padStart(8)}`,
  );
  return runs[0].result;
}

function printStacks(result: ChildResult): void {
  const rows = [...result.stacks].sort((a, b) => a.name.localeCompare(b.name));
  const show = rows.length > 8 ? [...rows.slice(0, 4), ...rows.slice(-3)] : rows;
  console.log(`  ${'stack'.padEnd(34)} ${'resources'.padStart(9)} ${'template'.padStart(10)}`);
  for (const s of show) {
    console.log(
      `  ${s.name.padEnd(34)} ${String(s.resources).padStart(9)} ${`${(s.bytes / 1024).toFixed(1)} KB`.padStart(10)}`,
    );
  }
  if (show.length < rows.length)
    console.log(`  … ${rows.length - show.length} more pipeline stacks of the same size`);
  const max = rows.reduce((m, s) => (s.resources > m.resources ? s : m));
  const biggest = rows.reduce((m, s) => (s.bytes > m.bytes ? s : m));
  console.log(
    `  largest: ${max.resources} resources (${max.name}; CloudFormation limit 500), ${(biggest.bytes / 1024).toFixed(1)} KB (${biggest.name}; limit 1 MB)`,
  );
}

function main(): void {
  const large = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-bench-config-'));
  writeGeneratedConfig(large, { environments: 20, regions: 10, teams: 20 });
  const scenarios = [
    {
      name: 'default config (pipelines/: 4 envs x 3 regions x 2 teams)',
      dir: path.join(PROJECT_ROOT, 'pipelines'),
    },
    { name: 'generated config (20 envs x 10 regions x 20 teams)', dir: large },
  ];
  console.log(
    `median of ${RUNS} fresh processes each; machine: ${os.cpus().length} cores, Node ${process.version}`,
  );
  for (const scenario of scenarios) {
    console.log(`\n${scenario.name}`);
    measure('  cdk synth (cdk-nag off, the default)', scenario.dir, false, true);
    const withNag = measure('  cdk synth -c nag=true (CI)', scenario.dir, true, true);
    measure('  cdk synth, no asset bundling (-> trigger npx cost)', scenario.dir, false, false);
    printStacks(withNag);
  }
  fs.rmSync(large, { recursive: true, force: true });
}

if (process.argv[2] === CHILD_FLAG) {
  child(process.argv[3], process.argv[4] === 'true', process.argv[5] === 'true');
} else {
  main();
}
