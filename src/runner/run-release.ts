import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FactoryModel } from '../config';
import { displayPath, findEnvironment } from '../config';
import type { CliIo } from '../cli/output';
import { lockTableName } from '../naming';
import { projectRoot } from '../local/project-paths';
import { resolveRelease, type Release } from '../tag';
import {
  CHECK_ACTIONS,
  codebuildEnvironment,
  machineEnvironment,
  pipelineVariables,
  projectEnvironment,
  type ActionName,
  type LocalLocking,
} from './action-environment';
import { loadBuildSpecFile } from './buildspec';
import { executeBuild, type BuildResult } from './execute-build';
import {
  providerCliConfig,
  readProviderMirror,
  resolveLocalToolchain,
  type Engine,
  type LocalToolchain,
} from './local-tools';
import { localPromotionCheck } from './local-deployments';
import { renderRunReport, type ActionRow } from './run-report';
import { copyTree, snapshotSource } from './source';
import { openStateBackend, type BackendChoice, type StateBackend } from './state-backend';

/** Where the state of a local run goes (see docs/local-runner.md). */
export type StateOption =
  | { readonly kind: 'embedded-moto'; readonly stateDir?: string }
  | { readonly kind: 'moto-endpoint'; readonly endpoint: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly lockTable?: string };

/** What every local run (a release or a drift check) takes besides its release. */
export interface LocalRunSettings {
  /** Folder of runs/ and state/ (and drift/). Default: `.tfpf` in the working directory. */
  readonly dataDir?: string;
  /** Default: embedded moto with state kept in `<dataDir>/state`. */
  readonly state?: StateOption;
  /** Region of the state bucket (the tooling region). Default: factory globalRegion. */
  readonly stateRegion?: string;
  /** Overrides factory.yaml tools.engine locally. */
  readonly engine?: Engine;
  /** Timeout of each action. Default: 30 minutes. */
  readonly timeoutMinutes?: number;
  /** Streams each action's output, prefixed with the action name. */
  readonly verbose?: boolean;
  /** Folder of the buildspecs. Default: buildspecs/ of the project. */
  readonly buildspecDir?: string;
}

export interface RunRequest extends LocalRunSettings {
  /** The configuration; not needed to resume a run. */
  readonly config?: FactoryModel;
  readonly tag?: string;
  readonly repo?: string;
  /** Id of an earlier run whose approved plan should be applied (with `approve`). */
  readonly resume?: string;
  readonly approve: boolean;
  /** Keeps each action's working copy (<run>/<action>/src) for inspection. */
  readonly keepWorkdirs?: boolean;
  /** Runs the four checks one after another instead of in parallel (benchmarks, very small machines). */
  readonly sequential?: boolean;
  /**
   * Runs a release of an environment with `promotion.from` although its commit is not the one last applied there
   * locally. Local only: the tag handler has no such bypass.
   */
  readonly skipPromotionCheck?: boolean;
}

export type ActionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'SKIPPED';

export interface ActionOutcome {
  readonly stage: 'Checks' | 'Apply';
  readonly action: ActionName;
  readonly status: ActionStatus;
  readonly seconds: number;
  readonly reason?: string;
  readonly build?: BuildResult;
}

export interface RunResult {
  readonly runId: string;
  readonly runDir: string;
  readonly exitCode: number;
  /** The stage that failed, if any. */
  readonly failedStage?: 'Checks' | 'Apply';
  readonly actions: readonly ActionOutcome[];
  readonly approval: 'approved' | 'waiting' | 'not-reached';
  readonly release?: Release;
  /** Variables the plan exported (PLAN_ADD, ...). */
  readonly planExports?: Readonly<Record<string, string>>;
  /** Wall time of each stage that ran, in seconds. */
  readonly stageSeconds: Readonly<Partial<Record<'Checks' | 'Apply', number>>>;
}

/** Saved in <run>/run.json: everything needed to apply the run's plan later (`--resume <id> --approve`). */
export interface RunRecord {
  readonly format: 1;
  readonly runId: string;
  /** `drift` for a drift check (`tfpf drift`: a plan in drift mode, never applied); absent for a release run. */
  readonly mode?: 'drift';
  readonly createdAt: string;
  readonly repo: string;
  readonly release: Release;
  readonly commit: string;
  readonly pipeline: string;
  readonly engine: Engine;
  readonly engineVersion: string;
  readonly stateRegion: string;
  readonly backend: BackendChoice;
  readonly pipelineVariables: Record<string, string>;
  readonly projectEnvironment: Record<string, string>;
  readonly toolsDir: string;
  /** The configuration folder: its tools lock is composed into the buildspecs, as at synth. */
  readonly configDir?: string;
  readonly checks: Record<string, ActionStatus>;
  /**
   * The digest the plan action exported (PLAN_DIGEST), recorded when the plan finished: apply receives it from
   * here, as it does from the pipeline, never from the plan artifact it checks.
   */
  planDigest?: string;
  applied: boolean;
  /** When the apply succeeded (ISO time). */
  appliedAt?: string;
  /** Result of the apply, once it ran. */
  applyStatus?: ActionStatus;
  /** Who ran it (the local user), shown by `tfpf status --local` as the tagger. */
  readonly taggedBy?: string;
}

function localUser(): string | undefined {
  try {
    return `local:${os.userInfo().username}`;
  } catch {
    return undefined;
  }
}

/** A problem that stops the run before any stage (bad tag, missing tools, ...); exit code 1 or 2. */
export class RunSetupError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'RunSetupError';
  }
}

const DEFAULT_TIMEOUT_MINUTES = 30;

function newRunId(): string {
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

function localLocking(
  config: FactoryModel,
  release: Release,
  toolchain: LocalToolchain,
  state: StateOption,
): LocalLocking {
  const factoryLocking = config.factory.locking;
  const table = lockTableName(config.factory.stateBucketPrefix, release.environment);
  if (state.kind === 's3') {
    if (state.lockTable !== undefined) return { locking: 'dynamodb', lockTable: state.lockTable };
    if (!toolchain.supportsLockfile) {
      throw new RunSetupError(
        `${toolchain.engine} ${toolchain.engineVersion} has no S3 lockfile: name a DynamoDB lock table with --lock-table`,
      );
    }
    return { locking: 's3-lockfile' };
  }
  if (factoryLocking === 'dynamodb') return { locking: 'dynamodb', lockTable: table };
  if (toolchain.supportsLockfile) return { locking: 's3-lockfile' };
  return {
    locking: 'dynamodb',
    lockTable: table,
    note: `factory.yaml says s3-lockfile, which ${toolchain.engine} ${toolchain.engineVersion} lacks: DynamoDB table ${table} on moto instead`,
  };
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1).padStart(5)} s`;
}

/** Per-action settings beyond the run's own (a drift check's TFPF_MODE, its project without artifacts). */
export interface ActionOptions {
  /** Added to the action's environment, as a project's environment variables are. */
  readonly environment?: Readonly<Record<string, string>>;
  /** The project has no artifacts (CodeBuild NO_ARTIFACTS): the buildspec's `artifacts:` is not collected. */
  readonly withoutArtifacts?: boolean;
}

export class ActionRunner {
  constructor(
    private readonly runDir: string,
    private readonly record: RunRecord,
    private readonly backend: StateBackend,
    private readonly buildspecDir: string,
    private readonly timeoutMs: number,
    private readonly io: CliIo,
    private readonly started: number,
    private readonly verbose: boolean,
    private readonly keepWorkdirs: boolean,
    private readonly abortSignal: AbortSignal,
  ) {}

  /** The files composed from the configuration (its tools lock), exactly as the synth composes them. */
  private generatedFiles(): Record<string, string> {
    const dir = this.record.configDir;
    const lock = dir === undefined ? undefined : path.join(dir, 'tools.lock.json');
    return lock !== undefined && fs.existsSync(lock)
      ? { 'tools.lock.json': fs.readFileSync(lock, 'utf8') }
      : {};
  }

  async run(
    stage: 'Checks' | 'Apply',
    action: ActionName,
    options: ActionOptions = {},
  ): Promise<ActionOutcome> {
    const label = `${stage}/${action}`;
    this.io.out(`[${elapsed(this.started)}] ${label.padEnd(14)} started`);
    const outDir = path.join(this.runDir, action);
    fs.rmSync(outDir, { recursive: true, force: true });
    const srcDir = path.join(outDir, 'src');
    const tmpDir = path.join(outDir, 'tmp');
    fs.mkdirSync(tmpDir, { recursive: true });
    copyTree(path.join(this.runDir, 'source'), srcDir);
    const secondary =
      action === 'apply' ? { PlanOutput: path.join(this.runDir, 'plan', 'artifacts') } : undefined;
    const logFile = path.join(outDir, 'build.log');
    const loaded = loadBuildSpecFile(path.join(this.buildspecDir, `${action}.yml`), this.generatedFiles());
    const { artifacts: _artifacts, ...withoutArtifacts } = loaded;
    const spec = options.withoutArtifacts === true ? withoutArtifacts : loaded;
    const project = `${this.record.pipeline}-${action}`;
    let build: BuildResult;
    try {
      build = await executeBuild({
        spec,
        srcDir,
        outDir,
        timeoutMs: this.timeoutMs,
        baseEnvironment: machineEnvironment(tmpDir),
        environment: {
          ...this.record.projectEnvironment,
          ...options.environment,
          ...this.record.pipelineVariables,
          // #{SourceVariables.CommitId} in the pipeline: the commit the Source action checked out.
          SOURCE_COMMIT: this.record.commit,
          ...(action === 'apply' ? { PLAN_DIGEST: this.record.planDigest ?? '' } : {}),
          TFPF_LOCAL_TOOLS: this.record.toolsDir,
          ...(action === 'plan' || action === 'apply'
            ? {
                ...this.backend.actionEnvironment,
                TF_CLI_CONFIG_FILE: path.join(this.runDir, 'terraform.rc'),
              }
            : {}),
          ...codebuildEnvironment({
            project,
            srcDir,
            logFile,
            commit: this.record.commit,
            region: this.record.stateRegion,
            pipeline: this.record.pipeline,
            ...(secondary ? { secondarySources: secondary } : {}),
          }),
        },
        ...(this.verbose
          ? { onOutput: (line: string) => this.io.out(`  ${action.padEnd(8)}| ${line}`) }
          : {}),
        abortSignal: this.abortSignal,
      });
    } finally {
      // The working copy and temp folder (AWS config, backend config) are not kept unless asked.
      fs.rmSync(tmpDir, { recursive: true, force: true });
      if (!this.keepWorkdirs) fs.rmSync(srcDir, { recursive: true, force: true });
    }
    fs.writeFileSync(
      path.join(outDir, 'exported-variables.json'),
      JSON.stringify(build.exportedVariables, null, 2),
    );
    const status: ActionStatus = build.status;
    const verdict = status === 'SUCCEEDED' ? 'succeeded' : status === 'TIMED_OUT' ? 'TIMED OUT' : 'FAILED';
    this.io.out(
      `[${elapsed(this.started)}] ${label.padEnd(14)} ${verdict} (${build.seconds.toFixed(1)} s)${build.reason ? `: ${build.reason}` : ''}`,
    );
    return {
      stage,
      action,
      status,
      seconds: build.seconds,
      ...(build.reason !== undefined ? { reason: build.reason } : {}),
      build,
    };
  }
}

export function readRecord(runDir: string): RunRecord {
  const file = path.join(runDir, 'run.json');
  if (!fs.existsSync(file))
    throw new RunSetupError(`no run ${path.basename(runDir)} in ${path.dirname(runDir)}`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
}

export function writeRecord(runDir: string, record: RunRecord): void {
  fs.writeFileSync(path.join(runDir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`);
}

/** Prepares a new run: resolves the tag, the local tools, the source snapshot and where state goes. */
export function prepareNewRun(
  request: RunRequest,
  dataDir: string,
  io: CliIo,
  mode?: 'drift',
): { record: RunRecord; runDir: string } {
  const config = request.config;
  if (config === undefined || request.tag === undefined || request.repo === undefined) {
    throw new RunSetupError('tfpf run needs --tag and --repo (or --resume <run-id>)', 2);
  }
  const resolved = resolveRelease(request.tag, config);
  if (!resolved.ok) throw new RunSetupError(`rejected tag: ${resolved.reason}`);
  const release = resolved.release;
  const repo = path.resolve(request.repo);
  if (!fs.existsSync(repo) || !fs.statSync(repo).isDirectory()) {
    throw new RunSetupError(`--repo ${request.repo}: not a folder`);
  }
  let toolchain: LocalToolchain;
  try {
    toolchain = resolveLocalToolchain(config, request.engine);
  } catch (error) {
    throw new RunSetupError(`tfpf run: ${(error as Error).message}`);
  }
  const stateOption: StateOption = request.state ?? { kind: 'embedded-moto' };
  const locking = localLocking(config, release, toolchain, stateOption);
  const stateRegion = request.stateRegion ?? config.factory.globalRegion;
  const bucket = stateOption.kind === 's3' ? stateOption.bucket : release.stateBucket;
  const backend: BackendChoice =
    stateOption.kind === 'embedded-moto'
      ? { kind: 'embedded-moto', stateDir: path.resolve(stateOption.stateDir ?? path.join(dataDir, 'state')) }
      : stateOption.kind === 'moto-endpoint'
        ? { kind: 'moto-endpoint', endpoint: stateOption.endpoint }
        : { kind: 's3', bucket: stateOption.bucket, region: stateRegion };

  const runId = newRunId();
  const runDir = path.join(dataDir, 'runs', runId);
  fs.mkdirSync(runDir, { recursive: true });
  const source = snapshotSource(repo, path.join(runDir, 'source'));
  const env = findEnvironment(config, release.environment);
  const promotion = env?.promotion;
  if (promotion !== undefined) {
    const gate = localPromotionCheck(
      dataDir,
      { environment: release.environment, scope: release.region, team: release.team },
      source.commit,
      promotion.from,
    );
    if (!gate.ok && request.skipPromotionCheck !== true) {
      fs.rmSync(runDir, { recursive: true, force: true });
      throw new RunSetupError(
        `tfpf run: promotion: ${gate.reason} (locally, from the runs in ${displayPath(dataDir)}; --skip-promotion-check runs it anyway, locally only)`,
      );
    }
    io.out(
      gate.ok
        ? `  promotion ${promotion.from} applied commit ${source.commit.slice(0, 12)} on ${new Date(gate.applied.at).toISOString()} (run ${gate.applied.executionId})`
        : `  promotion NOT CHECKED (--skip-promotion-check): ${gate.reason}`,
    );
  }
  const record: RunRecord = {
    format: 1,
    runId,
    ...(mode === undefined ? {} : { mode }),
    createdAt: new Date().toISOString(),
    repo,
    release,
    commit: source.commit,
    pipeline: release.pipeline,
    engine: toolchain.engine,
    engineVersion: toolchain.engineVersion,
    stateRegion,
    backend,
    pipelineVariables: pipelineVariables(release, source.commit),
    projectEnvironment: projectEnvironment(config, release, toolchain, {
      bucket,
      region: stateRegion,
      locking,
    }),
    toolsDir: toolchain.binDir,
    configDir: config.dir,
    checks: {},
    applied: false,
    taggedBy: localUser(),
  };
  writeRecord(runDir, record);

  io.out(
    `tfpf ${mode ?? 'run'} ${runId}: ${release.tag} → pipeline ${release.pipeline} (account ${release.account}, ${release.targetRegion})`,
  );
  io.out(`  source   ${path.relative(process.cwd(), repo) || '.'}: ${source.files} file(s), ${source.note}`);
  io.out(`  engine   ${toolchain.engine} ${toolchain.engineVersion} from ${toolchain.binDir}`);
  for (const line of toolchain.differences) io.out(`  note     ${line}`);
  const mirror = toolchain.providerMirror.providers;
  io.out(
    mirror.length > 0
      ? `  providers ${mirror.map((p) => `${p.source} ${p.version}`).join(', ')} from the local mirror ${path.relative(process.cwd(), toolchain.providerMirror.dir) || '.'} (TF_CLI_CONFIG_FILE); others from their registries`
      : '  providers none in the local mirror (.tools/providers): every provider from its registry',
  );
  io.out(
    `  locking  ${locking.locking}${locking.lockTable ? ` (table ${locking.lockTable})` : ''}${locking.note ? `: ${locking.note}` : ''}`,
  );
  if (mode === undefined && env !== undefined && !env.approval.required) {
    io.out(
      '  note     this environment has no approval stage in the pipeline; locally, apply still needs --approve',
    );
  }
  return { record, runDir };
}

export function stateNeeds(record: RunRecord): { bucket: string; region: string; lockTable?: string } {
  const env = record.projectEnvironment;
  return {
    bucket: env.STATE_BUCKET as string,
    region: record.stateRegion,
    ...(env.LOCKING === 'dynamodb' && env.LOCK_TABLE ? { lockTable: env.LOCK_TABLE } : {}),
  };
}

/**
 * Runs a release's pipeline stages locally with the real tools: Checks (tflint ‖ checkov ‖ tfsec ‖ plan), then,
 * only with `approve`, Apply of the saved plan. With `resume`, applies the plan of an earlier run.
 */
export async function runRelease(request: RunRequest, io: CliIo): Promise<RunResult> {
  const started = Date.now();
  const dataDir = path.resolve(request.dataDir ?? '.tfpf');
  let record: RunRecord;
  let runDir: string;
  const resuming = request.resume !== undefined;
  if (request.resume !== undefined) {
    if (!/^[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$/.test(request.resume)) {
      throw new RunSetupError(`--resume ${request.resume}: not a run id (like 20250101-120000-ab12)`, 2);
    }
    runDir = path.join(dataDir, 'runs', request.resume);
    record = readRecord(runDir);
    const failed = CHECK_ACTIONS.filter((a) => record.checks[a] !== 'SUCCEEDED');
    if (failed.length > 0)
      throw new RunSetupError(
        `run ${record.runId}: checks did not pass (${failed.join(', ')}): nothing to approve`,
      );
    if (record.applied) throw new RunSetupError(`run ${record.runId}: its plan was already applied`);
    io.out(
      `tfpf run ${record.runId} (resumed): ${record.release.tag}, plan of commit ${record.commit.slice(0, 12)}`,
    );
  } else {
    ({ record, runDir } = prepareNewRun(request, dataDir, io));
  }
  if (request.state?.kind === 'moto-endpoint' && record.backend.kind === 'moto-endpoint') {
    record = { ...record, backend: { kind: 'moto-endpoint', endpoint: request.state.endpoint } };
  }

  let backend: StateBackend;
  try {
    backend = await openStateBackend(record.backend, stateNeeds(record));
  } catch (error) {
    throw new RunSetupError(`tfpf run: state backend: ${(error as Error).message}`);
  }
  io.out(
    `  state    s3://${record.projectEnvironment.STATE_BUCKET}/${record.release.stateKey} via ${backend.description}`,
  );
  if (
    backend.kind === 'embedded-moto' &&
    record.backend.kind === 'embedded-moto' &&
    record.backend.port === undefined
  ) {
    // A saved plan records its backend endpoint: applying it later needs moto on the same port.
    record = { ...record, backend: { ...record.backend, port: backend.port as number } };
  }
  writeRecord(runDir, record);
  // The CLI configuration of plan and apply: the local provider mirror (rewritten on --resume, same content).
  fs.writeFileSync(
    path.join(runDir, 'terraform.rc'),
    providerCliConfig(readProviderMirror(path.join(path.dirname(record.toolsDir), 'providers'))),
  );

  const interruption = watchSignals(io);
  const runner = new ActionRunner(
    runDir,
    record,
    backend,
    request.buildspecDir ?? path.join(projectRoot(), 'buildspecs'),
    (request.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
    io,
    started,
    request.verbose ?? false,
    request.keepWorkdirs ?? false,
    interruption.controller.signal,
  );
  const outcomes: ActionOutcome[] = [];
  const stageSeconds: Partial<Record<'Checks' | 'Apply', number>> = {};
  let approval: RunResult['approval'] = 'not-reached';
  try {
    if (!resuming) {
      const checksStarted = Date.now();
      const checks: ActionOutcome[] = [];
      if (request.sequential) {
        for (const action of CHECK_ACTIONS) checks.push(await runner.run('Checks', action));
      } else {
        checks.push(...(await Promise.all(CHECK_ACTIONS.map((action) => runner.run('Checks', action)))));
      }
      stageSeconds.Checks = (Date.now() - checksStarted) / 1000;
      outcomes.push(...checks);
      for (const outcome of checks) record.checks[outcome.action] = outcome.status;
      const digest = checks.find((o) => o.action === 'plan')?.build?.exportedVariables.PLAN_DIGEST;
      if (digest !== undefined && /^[0-9a-f]{64}$/.test(digest)) record.planDigest = digest;
      writeRecord(runDir, record);
    } else {
      for (const action of CHECK_ACTIONS) {
        outcomes.push({ stage: 'Checks', action, status: record.checks[action] ?? 'SKIPPED', seconds: 0 });
      }
    }
    const checksPassed = outcomes.every((o) => o.status === 'SUCCEEDED');
    if (checksPassed && interruption.signal() === undefined) {
      if (request.approve) {
        approval = 'approved';
        const applyStarted = Date.now();
        const applied = await runner.run('Apply', 'apply');
        stageSeconds.Apply = (Date.now() - applyStarted) / 1000;
        outcomes.push(applied);
        record.applyStatus = applied.status;
        if (applied.status === 'SUCCEEDED') {
          record.applied = true;
          record.appliedAt = new Date().toISOString();
        }
        writeRecord(runDir, record);
      } else {
        approval = 'waiting';
      }
    }
  } finally {
    // Also on an interrupt: the builds have stopped by now; the state is saved and moto stopped before exiting.
    try {
      await backend.close();
    } finally {
      interruption.dispose();
    }
  }
  const stoppedBy = interruption.signal();
  if (stoppedBy !== undefined) {
    io.err(`tfpf run: interrupted by ${stoppedBy}: builds stopped, state saved, nothing more was run`);
  }

  const planExports = readPlanExports(runDir);
  const failedChecks = outcomes.filter((o) => o.stage === 'Checks' && o.status !== 'SUCCEEDED');
  const failedApply = outcomes.filter((o) => o.stage === 'Apply' && o.status !== 'SUCCEEDED');
  const failedStage = failedChecks.length > 0 ? 'Checks' : failedApply.length > 0 ? 'Apply' : undefined;
  const rows: ActionRow[] = outcomes.map((o) => ({
    stage: o.stage,
    action: o.action,
    result: resuming && o.stage === 'Checks' ? `${o.status} (earlier)` : o.status,
    seconds: o.seconds,
  }));
  if (approval !== 'not-reached') {
    rows.splice(CHECK_ACTIONS.length, 0, {
      stage: 'Approval',
      action: 'manual',
      result: approval === 'approved' ? 'APPROVED (--approve)' : 'WAITING',
    });
  }
  io.out(
    renderRunReport({
      rows,
      runDir,
      outcomes,
      planSummaryFile: path.join(runDir, 'plan', 'artifacts', 'summary.md'),
      showPlanSummary: !resuming,
    }),
  );
  if (approval === 'waiting') {
    io.out(
      `Approval needed: nothing was applied. To apply exactly this plan (digest sha256:${record.planDigest ?? 'none'}):`,
    );
    io.out(
      `  npx tfpf run --resume ${record.runId} --approve${request.dataDir ? ` --data-dir ${request.dataDir}` : ''}`,
    );
  }
  let exitCode = 0;
  if (failedStage !== undefined) {
    const names = (failedStage === 'Checks' ? failedChecks : failedApply).map((o) => o.action).join(', ');
    io.err(`tfpf: stage ${failedStage} failed: ${names}`);
    exitCode = 1;
  }
  if (stoppedBy !== undefined) exitCode = stoppedBy === 'SIGINT' ? 130 : 143;
  return {
    runId: record.runId,
    runDir,
    exitCode,
    ...(failedStage !== undefined ? { failedStage } : {}),
    actions: outcomes,
    approval,
    stageSeconds,
    release: record.release,
    ...(planExports !== undefined ? { planExports } : {}),
  };
}

/**
 * SIGINT/SIGTERM while a run goes on: stop every build's process group (through the abort signal), then let the
 * run finish its cleanup (state snapshot, moto stopped) and exit 130/143. A second signal is not needed.
 */
export function watchSignals(io: CliIo): {
  controller: AbortController;
  signal: () => NodeJS.Signals | undefined;
  dispose: () => void;
} {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (received !== undefined) return;
    received = signal;
    io.err(`tfpf run: ${signal} received: stopping the builds, then saving the state`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    controller,
    signal: () => received,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

function readPlanExports(runDir: string): Record<string, string> | undefined {
  const file = path.join(runDir, 'plan', 'exported-variables.json');
  return fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>)
    : undefined;
}
