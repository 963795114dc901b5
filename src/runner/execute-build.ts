import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PHASE_NAMES, type BuildSpec, type PhaseName } from './buildspec';
import { matchFiles } from './glob';

/** What to run: one buildspec, in one source folder, with a CodeBuild-like environment. */
export interface BuildRequest {
  readonly spec: BuildSpec;
  /** CODEBUILD_SRC_DIR: a private copy of the source, also the first command's working folder. */
  readonly srcDir: string;
  /** Machine environment (PATH, HOME, TMPDIR, ...): the lowest precedence, below the buildspec's env.variables. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  /** Project, action and CODEBUILD_* variables: they override the buildspec's env.variables, as in CodeBuild. */
  readonly environment: Readonly<Record<string, string>>;
  /** Folder receiving build.log, artifacts/ and reports/. */
  readonly outDir: string;
  /** Whole-build timeout; the process group is killed when it passes. */
  readonly timeoutMs: number;
  /** Called with every output line (for --verbose streaming). */
  readonly onOutput?: (line: string) => void;
  /** Aborting stops the running command's process group (SIGTERM, then SIGKILL) and runs nothing more. */
  readonly abortSignal?: AbortSignal;
}

export type BuildStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
export type PhaseStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'SKIPPED';

export interface PhaseResult {
  readonly name: PhaseName;
  readonly status: PhaseStatus;
  readonly seconds: number;
  /** First line of the command that failed, and its exit code. */
  readonly failedCommand?: string;
  readonly exitCode?: number;
}

export interface ReportResult {
  readonly group: string;
  readonly files: readonly string[];
  readonly tests: number;
  readonly failures: number;
  readonly errors: number;
  readonly skipped: number;
}

export interface BuildResult {
  readonly status: BuildStatus;
  readonly seconds: number;
  readonly phases: readonly PhaseResult[];
  /** Values of env.exported-variables at the end of the build (missing ones are left out). */
  readonly exportedVariables: Readonly<Record<string, string>>;
  /** Folder holding the artifact files, when the buildspec declares artifacts. */
  readonly artifactsDir?: string;
  readonly artifacts: readonly string[];
  readonly reports: readonly ReportResult[];
  readonly logFile: string;
  /** Why the build failed, in one line. */
  readonly reason?: string;
}

/** Variables bash sets by itself; they are not carried from one command to the next. */
const SHELL_OWNED = new Set(['_', 'SHLVL', 'PWD', 'OLDPWD']);

// Runs one command like CodeBuild (buildspec 0.2): in bash, in the directory the previous command left, with the
// environment variables the previous command exported; then saves both for the next command.
const WRAPPER = `# tfpf local runner: one buildspec command
__tfpf_cmd="$1"
__tfpf_env_out="$2"
__tfpf_cwd_out="$3"
set --
trap 'pwd >"$__tfpf_cwd_out"; env -0 >"$__tfpf_env_out"' EXIT
. "$__tfpf_cmd"
`;

interface CommandOutcome {
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly interrupted: boolean;
  readonly env: Record<string, string>;
  readonly cwd: string;
}

function timestamp(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

function firstLine(command: string): string {
  const line = command.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('set -')) ?? '';
  return line.trim().slice(0, 120);
}

function parseEnv(buffer: Buffer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of buffer.toString('utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (!SHELL_OWNED.has(name)) env[name] = entry.slice(eq + 1);
  }
  return env;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

class BuildLog {
  private readonly fd: number;
  private partial = '';
  constructor(
    readonly file: string,
    private readonly onOutput?: (line: string) => void,
  ) {
    this.fd = fs.openSync(file, 'a');
  }
  container(message: string): void {
    this.write(Buffer.from(`[Container] ${timestamp()} ${message}\n`));
  }
  write(chunk: Buffer): void {
    fs.writeSync(this.fd, chunk);
    if (this.onOutput === undefined) return;
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onOutput(line);
  }
  close(): void {
    if (this.partial !== '' && this.onOutput !== undefined) this.onOutput(this.partial);
    fs.closeSync(this.fd);
  }
}

function runCommand(
  command: string,
  index: number,
  state: { env: Record<string, string>; cwd: string },
  scratch: string,
  log: BuildLog,
  deadline: number,
  abortSignal?: AbortSignal,
): Promise<CommandOutcome> {
  const cmdFile = path.join(scratch, `cmd-${index}.sh`);
  const envFile = path.join(scratch, `env-${index}`);
  const cwdFile = path.join(scratch, `cwd-${index}`);
  fs.writeFileSync(cmdFile, command.endsWith('\n') ? command : `${command}\n`);
  const cwd = fs.existsSync(state.cwd) ? state.cwd : (state.env.CODEBUILD_SRC_DIR ?? scratch);
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(scratch, 'wrapper.sh'), cmdFile, envFile, cwdFile], {
      cwd,
      env: state.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let timedOut = false;
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
    };
    const onAbort = (): void => {
      interrupted = true;
      log.container(`Build interrupted: stopping "${firstLine(command)}"`);
      stop();
    };
    if (abortSignal?.aborted) onAbort();
    else abortSignal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => {
        timedOut = true;
        log.container(`Build timed out: stopping "${firstLine(command)}"`);
        stop();
      },
      Math.max(0, deadline - Date.now()),
    );
    child.stdout.on('data', (chunk: Buffer) => log.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => log.write(chunk));
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      if (killTimer !== undefined) clearTimeout(killTimer);
      abortSignal?.removeEventListener('abort', onAbort);
      const exitCode = code ?? (signal !== null ? 128 + (signalNumber(signal) ?? 0) : 1);
      let env = state.env;
      let nextCwd = state.cwd;
      try {
        env = parseEnv(fs.readFileSync(envFile));
        nextCwd = fs.readFileSync(cwdFile, 'utf8').trim() || state.cwd;
      } catch {
        // killed before the EXIT trap ran: keep the previous environment
      }
      resolve({ exitCode, timedOut, interrupted, env, cwd: nextCwd });
    };
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.on('error', (error) => {
      log.write(Buffer.from(`cannot start bash: ${error.message}\n`));
      finish(127, null);
    });
    // Background processes a command left behind would hold its output open: end them with it.
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      killGroup(child.pid, 'SIGKILL');
    });
    child.on('close', (code, signal) => finish(exit?.code ?? code, exit?.signal ?? signal));
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return table[signal];
}

/** Counts of a JUnit XML file (summed over its <testsuite> elements). */
export function junitCounts(xml: string): {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
} {
  const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const match of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attrs = match[1] ?? '';
    for (const key of Object.keys(counts) as (keyof typeof counts)[]) {
      const value = new RegExp(`\\b${key}="(\\d+)"`).exec(attrs);
      if (value) counts[key] += Number(value[1]);
    }
  }
  return counts;
}

function copyInto(
  srcRoot: string,
  files: readonly string[],
  destRoot: string,
  discardPaths: boolean,
): string[] {
  const copied: string[] = [];
  for (const file of files) {
    const target = discardPaths ? path.basename(file) : file;
    fs.mkdirSync(path.dirname(path.join(destRoot, target)), { recursive: true });
    fs.copyFileSync(path.join(srcRoot, file), path.join(destRoot, target));
    copied.push(target);
  }
  return copied;
}

/**
 * Executes a buildspec's phases with bash like CodeBuild: install → pre_build → build → post_build; a failed
 * install or pre_build ends the build (unless on-failure: CONTINUE); post_build runs after a failed build with
 * CODEBUILD_BUILD_SUCCEEDING=0; `finally` commands run after their phase's commands either way. Exported
 * variables are read at the end; artifacts and reports are collected even when the build failed.
 */
export async function executeBuild(request: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const deadline = started + request.timeoutMs;
  const { spec } = request;
  fs.mkdirSync(request.outDir, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(request.outDir, '.commands-'));
  fs.writeFileSync(path.join(scratch, 'wrapper.sh'), WRAPPER);
  const log = new BuildLog(path.join(request.outDir, 'build.log'), request.onOutput);
  const state = {
    env: {
      ...request.baseEnvironment,
      ...spec.variables,
      ...request.environment,
      CODEBUILD_BUILD_SUCCEEDING: '1',
    } as Record<string, string>,
    cwd: request.srcDir,
  };
  const phases: PhaseResult[] = [];
  let succeeding = true;
  let timedOut = false;
  let interrupted = false;
  let abortRest = false;
  let reason: string | undefined;
  let commandIndex = 0;

  try {
    for (const name of PHASE_NAMES) {
      const phase = spec.phases[name];
      if (phase === undefined) continue;
      if (abortRest || timedOut || interrupted || request.abortSignal?.aborted) {
        phases.push({ name, status: 'SKIPPED', seconds: 0 });
        continue;
      }
      const phaseStart = Date.now();
      log.container(`Entering phase ${name.toUpperCase()}`);
      let failed: { command: string; exitCode: number } | undefined;
      const run = async (commands: readonly string[], label: string): Promise<void> => {
        for (const command of commands) {
          log.container(`Running ${label}command ${firstLine(command)}`);
          state.env.CODEBUILD_BUILD_SUCCEEDING = succeeding && failed === undefined ? '1' : '0';
          const outcome = await runCommand(
            command,
            commandIndex++,
            state,
            scratch,
            log,
            deadline,
            request.abortSignal,
          );
          state.env = { ...outcome.env };
          state.cwd = outcome.cwd;
          if (outcome.timedOut) timedOut = true;
          if (outcome.interrupted) interrupted = true;
          if (outcome.exitCode !== 0 || outcome.timedOut || outcome.interrupted) {
            log.container(
              `Command did not exit successfully ${firstLine(command)} exit status ${outcome.exitCode}`,
            );
            failed ??= { command: firstLine(command), exitCode: outcome.exitCode };
            return;
          }
        }
      };
      await run(phase.commands, '');
      if (!timedOut && !interrupted && phase.finally.length > 0) await run(phase.finally, 'finally ');
      const seconds = (Date.now() - phaseStart) / 1000;
      const status: PhaseStatus = timedOut ? 'TIMED_OUT' : failed ? 'FAILED' : 'SUCCEEDED';
      log.container(`Phase complete: ${name.toUpperCase()} State: ${status}`);
      phases.push({
        name,
        status,
        seconds,
        ...(failed ? { failedCommand: failed.command, exitCode: failed.exitCode } : {}),
      });
      if (failed !== undefined) {
        succeeding = false;
        reason ??= interrupted ? 'interrupted' : `${name} phase failed (exit ${failed.exitCode})`;
        if (phase.onFailure === 'ABORT' && (name === 'install' || name === 'pre_build')) abortRest = true;
      }
    }
  } finally {
    log.container('Entering phase UPLOAD_ARTIFACTS');
  }

  const exportedVariables: Record<string, string> = {};
  for (const name of spec.exportedVariables) {
    const value = state.env[name];
    if (value !== undefined) exportedVariables[name] = value;
  }

  let artifactsDir: string | undefined;
  let artifacts: string[] = [];
  if (spec.artifacts !== undefined) {
    const base = path.resolve(request.srcDir, spec.artifacts.baseDirectory);
    const files = matchFiles(base, spec.artifacts.files);
    artifactsDir = path.join(request.outDir, 'artifacts');
    fs.rmSync(artifactsDir, { recursive: true, force: true });
    fs.mkdirSync(artifactsDir, { recursive: true });
    artifacts = copyInto(base, files, artifactsDir, spec.artifacts.discardPaths);
    const missing = spec.artifacts.files.filter(
      (p) => !/[*?]/.test(p) && !files.includes(p.replace(/^\.\//, '')),
    );
    if (succeeding && files.length === 0) {
      succeeding = false;
      reason ??= 'no matching artifact paths found';
    } else if (succeeding && missing.length > 0) {
      log.container(`Warning: artifact files not found: ${missing.join(', ')}`);
    }
  }

  const reports: ReportResult[] = [];
  for (const [group, settings] of Object.entries(spec.reports)) {
    const base = path.resolve(request.srcDir, settings.baseDirectory);
    const files = matchFiles(base, settings.files);
    const dest = path.join(request.outDir, 'reports', group);
    const copied = copyInto(base, files, dest, false);
    const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const file of copied) {
      const one = junitCounts(fs.readFileSync(path.join(dest, file), 'utf8'));
      for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += one[key];
    }
    reports.push({ group, files: copied.map((f) => path.join(dest, f)), ...counts });
    log.container(
      `Report ${group}: ${copied.length} file(s), ${counts.tests} test(s), ${counts.failures} failure(s), ${counts.errors} error(s)`,
    );
  }

  const status: BuildStatus = timedOut ? 'TIMED_OUT' : succeeding ? 'SUCCEEDED' : 'FAILED';
  if (timedOut) reason = `timed out after ${Math.round(request.timeoutMs / 1000)} s`;
  log.container(`Phase complete: UPLOAD_ARTIFACTS State: SUCCEEDED`);
  log.container(`Build ${status}`);
  log.close();
  fs.rmSync(scratch, { recursive: true, force: true });
  return {
    status,
    seconds: (Date.now() - started) / 1000,
    phases,
    exportedVariables,
    ...(artifactsDir !== undefined ? { artifactsDir } : {}),
    artifacts,
    reports,
    logFile: log.file,
    ...(reason !== undefined && status !== 'SUCCEEDED' ? { reason } : {}),
  };
}
