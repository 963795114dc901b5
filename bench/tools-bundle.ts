/**
 * Tool provisioning per action, from the tools bundle versus from scratch (`node --require tsx/cjs
 * bench/tools-bundle.ts`, part of `npm run bench`). Target: every action provisions in <= 5 s from the bundle.
 *
 * The bundle is the one `tfpf_tools.py bundle-local` builds from what scripts/install-tools installed (.tools/:
 * the same layout and manifest as the builder's), uploaded to a moto S3 server on 127.0.0.1. Each action's
 * provisioning is the command its buildspec runs (`tfpf_tools.py install <tool>` / `install-checkov`), in a fresh
 * folder, timed from start to exit (wall time, and the CPU time of its process tree, which is what a busy machine
 * stretches least): S3 GET, SHA-256 against the lock (archives) or the manifest (the checkov
 * tarball), extraction and the manifest comparison of the extracted venv. Median of RUNS.
 *
 * From scratch is what an action does without a bundle: checkov is `pip install --require-hashes --no-deps` of the
 * lock's requirement set (pipelines/tools.lock.json) into a fresh venv, with the Python the lock was resolved for
 * and pip's caches as this machine has them (warm: nothing new is downloaded). The binary tools' vendor downloads
 * cannot be measured here (no network): their from-scratch figure is the same verified install from a file:// URL,
 * which a real download adds its transfer time to. `--bundle-only` skips the from-scratch runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { MOTO_CREDENTIALS, startMotoServer } from '../src/local/moto-server';

const ROOT = path.join(__dirname, '..');
const LIB = path.join(ROOT, 'buildspecs', 'lib');
const TOOLS = path.join(ROOT, '.tools');
const REGION = 'eu-central-1';
const BUCKET = 'tfpf-bench-tools-bundles';
const RUNS = 3;
const TARGET_SECONDS = 5;

/** Each action and the provisioning command its buildspec runs. */
const ACTIONS: readonly { action: string; args: (dest: string) => string[] }[] = [
  { action: 'tflint', args: (dest) => ['install', 'tflint', dest] },
  { action: 'tfsec', args: (dest) => ['install', 'tfsec', dest] },
  { action: 'plan/apply (terraform)', args: (dest) => ['install', 'terraform', dest] },
  { action: 'checkov', args: (dest) => ['install-checkov', path.join(dest, 'checkov')] },
];

function temp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Wall time and CPU time (user + system of the whole process tree) of one command. */
function timed(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { seconds: number; cpu: number; out: string } {
  // A small Python parent reports its children's CPU time (getrusage RUSAGE_CHILDREN) once they have exited.
  const wrapper =
    'import resource, subprocess, sys\n' +
    'rc = subprocess.run(sys.argv[1:]).returncode\n' +
    'u = resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
    'sys.stderr.write(f"\\nTFPF_CPU {u.ru_utime + u.ru_stime:.3f}\\n")\n' +
    'sys.exit(rc)\n';
  const start = performance.now();
  const result = spawnSync('python3', ['-c', wrapper, command, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - start) / 1000;
  const out = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${out}`);
  const cpu = Number(/TFPF_CPU ([0-9.]+)/.exec(out)?.[1] ?? NaN);
  return { seconds, cpu, out };
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** A Python of the lock's minor version (pyenv versions included), or undefined. */
function pythonFor(minor: string): string | undefined {
  const candidates = [`python${minor}`];
  const pyenvRoot = process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv');
  const versions = path.join(pyenvRoot, 'versions');
  if (fs.existsSync(versions)) {
    for (const v of fs
      .readdirSync(versions)
      .filter((v) => v.startsWith(`${minor}.`))
      .sort()
      .reverse()) {
      candidates.push(path.join(versions, v, 'bin', `python${minor}`));
    }
  }
  return candidates.find((c) => spawnSync(c, ['-c', 'print()']).status === 0);
}

/** A library folder as the buildspec composes it: the helpers and a lock. */
function library(lockFile: string): string {
  const lib = temp('tfpf-bench-lib-');
  for (const name of ['tfpf_tools.py', 'tfpf_s3.py', 'tfpf_credentials.py']) {
    fs.copyFileSync(path.join(LIB, name), path.join(lib, name));
  }
  fs.copyFileSync(lockFile, path.join(lib, 'tools.lock.json'));
  return lib;
}

async function main(): Promise<void> {
  const out = temp('tfpf-bench-bundle-');
  const built = timed('python3', [path.join(LIB, 'tfpf_tools.py'), 'bundle-local', TOOLS, out], process.env);
  console.log(`local bundle built from .tools/ in ${built.seconds.toFixed(1)} s (not part of any action)`);
  const moto = await startMotoServer();
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      TFPF_AWS_ENDPOINT: moto.endpoint,
      TFPF_TOOLS_BUNDLE_BUCKET: BUCKET,
    };
    const s3 = new S3Client({
      region: REGION,
      endpoint: moto.endpoint,
      credentials: MOTO_CREDENTIALS,
      forcePathStyle: true,
    });
    await s3.send(
      new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    const upload = timed('python3', [path.join(LIB, 'tfpf_tools.py'), 'upload-bundle', out], env);
    console.log(`uploaded to moto S3 in ${upload.seconds.toFixed(1)} s`);

    const lib = library(path.join(out, 'tools.lock.json'));
    const rows: { action: string; bundle: number; cpu: number; scratch?: number; note?: string }[] = [];
    for (const { action, args } of ACTIONS) {
      const times: number[] = [];
      const cpus: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const dest = temp('tfpf-bench-dest-');
        const {
          seconds,
          cpu,
          out: log,
        } = timed('python3', [path.join(lib, 'tfpf_tools.py'), ...args(dest)], {
          ...env,
          TFPF_LIB: lib,
        });
        if (log.includes('tools bundle:')) throw new Error(`${action}: the bundle was not used:\n${log}`);
        times.push(seconds);
        cpus.push(cpu);
        fs.rmSync(dest, { recursive: true, force: true });
      }
      rows.push({ action, bundle: median(times), cpu: median(cpus) });
    }

    const bundleOnly = process.argv.includes('--bundle-only');
    // From scratch, binary tools: the verified install without a bundle (file:// URLs of the local lock).
    for (const row of rows.filter((r) => r.action !== 'checkov' && !bundleOnly)) {
      const spec = ACTIONS.find((a) => a.action === row.action)!;
      const dest = temp('tfpf-bench-dest-');
      const { seconds } = timed('python3', [path.join(lib, 'tfpf_tools.py'), ...spec.args(dest)], {
        ...env,
        TFPF_LIB: lib,
        TFPF_TOOLS_BUNDLE_BUCKET: '',
      });
      row.scratch = seconds;
      row.note = 'file:// (a vendor download adds its transfer time)';
      fs.rmSync(dest, { recursive: true, force: true });
    }

    // From scratch, checkov: the lock's hash-pinned requirement set into a fresh venv, as the action does today.
    const lockFile = path.join(ROOT, 'pipelines', 'tools.lock.json');
    const minor = (
      JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { tools: { checkov: { python: string } } }
    ).tools.checkov.python;
    const python = pythonFor(minor);
    const checkov = rows.find((r) => r.action === 'checkov')!;
    if (bundleOnly) {
      checkov.note = 'from scratch not run (--bundle-only)';
    } else if (python === undefined) {
      checkov.note = `from scratch skipped: no python ${minor} (the lock's) on this machine`;
    } else {
      const dest = temp('tfpf-bench-scratch-');
      const scratchLib = library(lockFile);
      const { seconds } = timed(
        python,
        [path.join(scratchLib, 'tfpf_tools.py'), 'install-checkov', path.join(dest, 'checkov')],
        {
          ...process.env,
          TFPF_LIB: scratchLib,
          TFPF_TOOLS_BUNDLE_BUCKET: '',
          PIP_CONFIG_FILE: '/dev/null',
        },
      );
      checkov.scratch = seconds;
      checkov.note = `pip --require-hashes, python ${minor}, this machine's pip caches`;
      fs.rmSync(dest, { recursive: true, force: true });
    }

    console.log(
      `\nprovisioning per action (seconds; bundle: wall and CPU time, user + system, median of ${RUNS})`,
    );
    console.log(
      `  ${'action'.padEnd(24)} ${'bundle'.padStart(8)} ${'cpu'.padStart(8)} ${'scratch'.padStart(8)}`,
    );
    for (const r of rows) {
      const scratch = r.scratch === undefined ? '-' : r.scratch.toFixed(2);
      console.log(
        `  ${r.action.padEnd(24)} ${r.bundle.toFixed(2).padStart(8)} ${r.cpu.toFixed(2).padStart(8)} ${scratch.padStart(8)}  ${r.note ?? ''}`,
      );
    }
    const worst = Math.max(...rows.map((r) => r.bundle));
    console.log(
      `target <= ${TARGET_SECONDS} s from the bundle for every action: ${worst <= TARGET_SECONDS ? 'met' : 'NOT met'} (slowest ${worst.toFixed(2)} s)`,
    );
    console.log(
      JSON.stringify(
        Object.fromEntries(
          rows.map((r) => [r.action, { bundle: r.bundle, cpu: r.cpu, scratch: r.scratch ?? null }]),
        ),
      ),
    );
  } finally {
    await moto.stop();
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
