import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../../src/local/project-paths';
import { fixture, tempDir } from './harness';

// `tfpf run` interrupted (Ctrl-C or a CI job's SIGTERM): the builds' process groups stop, the embedded moto's state
// is saved and moto stops, and the exit code says which signal it was. Before, the signal killed node alone and
// left Terraform running against a dead moto, the state unsaved and moto running.

jest.setTimeout(300_000);

const BIN = path.join(projectRoot(), 'bin', 'tfpf.js');

function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(text) && !line.includes('ps -eo'))
    .map((line) => line.trim());
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return check();
}

test.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s stops the builds, saves the state, stops moto and exits %i', async (signal, code) => {
  const dataDir = tempDir('tfpf-interrupt-');
  const child = spawn(
    process.execPath,
    [
      BIN,
      'run',
      '--tag',
      'dev_us-east-1/research/1.0',
      '--repo',
      fixture('plan-changes'),
      '--data-dir',
      dataDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));

  // Wait until the checks run (the scanners' builds are busy for several seconds), then interrupt.
  const runsDir = path.join(dataDir, 'runs');
  const started = await waitFor(() => {
    if (!fs.existsSync(runsDir)) return false;
    const run = fs.readdirSync(runsDir)[0];
    const log = run === undefined ? '' : path.join(runsDir, run, 'checkov', 'build.log');
    return log !== '' && fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('Entering phase');
  }, 120_000);
  expect(started).toBe(true);
  const runId = fs.readdirSync(runsDir)[0] as string;
  const record = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'run.json'), 'utf8'));
  const motoPort = String(record.backend.port);
  expect(processesMentioning(path.join(runsDir, runId)).length).toBeGreaterThan(0);

  child.kill(signal);
  const exitCode = await Promise.race([
    exited,
    new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000)),
  ]);
  expect([exitCode, output]).toEqual([
    code,
    expect.stringContaining(`interrupted by ${signal}: builds stopped, state saved`),
  ]);

  // Nothing of the run is left running: no build process (their command lines name the run folder), no moto.
  expect(await waitFor(() => processesMentioning(path.join(runsDir, runId)).length === 0, 10_000)).toBe(true);
  expect(
    processesMentioning(`moto_server`).filter(
      (p) => p.includes(`-p${motoPort}`) || p.includes(` ${motoPort}`),
    ),
  ).toEqual([]);
  // The embedded moto's objects were snapshotted into the state folder (the state bucket exists there).
  expect(fs.existsSync(path.join(dataDir, 'state', 'acme-tfstate-dev'))).toBe(true);
  const statuses = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'run.json'), 'utf8')).checks;
  expect(Object.values(statuses)).not.toContain('SUCCEEDED');
  fs.rmSync(dataDir, { recursive: true, force: true });
});
