import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FactoryModel } from '../config';
import type { CliIo } from '../cli/output';
import { driftCheckOf } from '../drift/drift-build';
import { driftCounts } from '../drift/drift-events';
import { driftRecordKey, nextDriftRecord, type DriftRecord } from '../drift/drift-record';
import { projectRoot } from '../local/project-paths';
import { resolveRelease } from '../tag';
import type { BuildResult } from './execute-build';
import { providerCliConfig, readProviderMirror } from './local-tools';
import {
  ActionRunner,
  prepareNewRun,
  readRecord,
  RunSetupError,
  stateNeeds,
  watchSignals,
  writeRecord,
  type LocalRunSettings,
  type RunRecord,
} from './run-release';
import { openStateBackend, type StateBackend } from './state-backend';

export interface DriftRequest extends LocalRunSettings {
  readonly config: FactoryModel;
  /** The release last applied to the state key (checked against the local run records). */
  readonly tag: string;
  /** The infra repository, at the applied release's commit. */
  readonly repo: string;
  /** Clock in epoch milliseconds. Default: Date.now. */
  readonly now?: () => number;
}

export interface DriftResult {
  /** 0 no drift, 2 drift, 1 the check failed; 130/143 when interrupted. */
  readonly exitCode: number;
  readonly runId: string;
  readonly runDir: string;
  /** The drift record written, when the check completed. */
  readonly record?: DriftRecord;
  /** Where the record was written. */
  readonly recordFile?: string;
  readonly build?: BuildResult;
}

/** Where a local drift record lives: `<dataDir>/drift/<environment>/<scope>/<team>.json`. */
export function localDriftRecordFile(
  dataDir: string,
  environment: string,
  scope: string,
  team: string,
): string {
  return path.join(dataDir, 'drift', environment, scope, `${team}.json`);
}

/** The local drift record of a state key (the ledger's attributes, plus `pk`), if one was written. */
export function readLocalDriftRecord(
  dataDir: string,
  environment: string,
  scope: string,
  team: string,
): DriftRecord | undefined {
  const file = localDriftRecordFile(dataDir, environment, scope, team);
  if (!fs.existsSync(file)) return undefined;
  const { pk: _pk, ...record } = JSON.parse(fs.readFileSync(file, 'utf8')) as DriftRecord & { pk: string };
  return record;
}

/** The newest applied release run of a state key in `<dataDir>/runs`, if any. */
export function lastAppliedRun(dataDir: string, stateKey: string): RunRecord | undefined {
  const runs = path.join(dataDir, 'runs');
  if (!fs.existsSync(runs)) return undefined;
  let last: RunRecord | undefined;
  for (const id of fs.readdirSync(runs).sort()) {
    let record: RunRecord;
    try {
      record = readRecord(path.join(runs, id));
    } catch {
      continue; // a run folder without a record (interrupted before it was written)
    }
    if (record.mode === undefined && record.applied && record.release.stateKey === stateKey) {
      if (last === undefined || record.createdAt >= last.createdAt) last = record;
    }
  }
  return last;
}

/**
 * `tfpf drift`: the plan buildspec in drift mode (TFPF_MODE=drift, no artifact) for the release last applied
 * locally to the tag's state key, against the same local state; writes the local drift record.
 */
export async function runDrift(request: DriftRequest, io: CliIo): Promise<DriftResult> {
  const dataDir = path.resolve(request.dataDir ?? '.tfpf');
  const now = request.now ?? Date.now;
  const resolved = resolveRelease(request.tag, request.config);
  if (!resolved.ok) throw new RunSetupError(`rejected tag: ${resolved.reason}`);
  const release = resolved.release;
  const applied = lastAppliedRun(dataDir, release.stateKey);
  if (applied === undefined) {
    throw new RunSetupError(
      `no release of ${release.stateKey} was applied from ${dataDir}: a drift check plans the last applied release (tfpf run --tag ${release.tag} --repo <dir> --approve first)`,
    );
  }
  if (applied.release.tag !== release.tag) {
    throw new RunSetupError(
      `the release last applied to ${release.stateKey} is ${applied.release.tag} (run ${applied.runId}), not ${release.tag}: drift is checked against the applied release`,
    );
  }
  const { record, runDir } = prepareNewRun(
    {
      config: request.config,
      tag: request.tag,
      repo: request.repo,
      approve: false,
      dataDir,
      ...(request.state !== undefined ? { state: request.state } : {}),
      ...(request.stateRegion !== undefined ? { stateRegion: request.stateRegion } : {}),
      ...(request.engine !== undefined ? { engine: request.engine } : {}),
    },
    dataDir,
    io,
    'drift',
  );
  if (record.commit !== applied.commit) {
    fs.rmSync(runDir, { recursive: true, force: true });
    throw new RunSetupError(
      `--repo ${request.repo} is at ${record.commit.slice(0, 12)}, but ${release.tag} was applied from ${applied.commit.slice(0, 12)} (run ${applied.runId}): check out the applied release`,
    );
  }

  let backend: StateBackend;
  try {
    backend = await openStateBackend(record.backend, stateNeeds(record));
  } catch (error) {
    throw new RunSetupError(`tfpf drift: state backend: ${(error as Error).message}`);
  }
  io.out(
    `  state    s3://${record.projectEnvironment.STATE_BUCKET}/${release.stateKey} via ${backend.description}`,
  );
  writeRecord(runDir, record);
  fs.writeFileSync(
    path.join(runDir, 'terraform.rc'),
    providerCliConfig(readProviderMirror(path.join(path.dirname(record.toolsDir), 'providers'))),
  );

  const started = Date.now();
  const interruption = watchSignals(io);
  const runner = new ActionRunner(
    runDir,
    record,
    backend,
    request.buildspecDir ?? path.join(projectRoot(), 'buildspecs'),
    (request.timeoutMinutes ?? 30) * 60_000,
    io,
    started,
    request.verbose ?? false,
    false,
    interruption.controller.signal,
  );
  let build: BuildResult | undefined;
  try {
    // The drift project: the plan buildspec in drift mode, without artifacts (CodeBuild NO_ARTIFACTS).
    const outcome = await runner.run('Checks', 'plan', {
      environment: { TFPF_MODE: 'drift' },
      withoutArtifacts: true,
    });
    build = outcome.build;
  } finally {
    try {
      await backend.close();
    } finally {
      interruption.dispose();
    }
  }
  const base = { runId: record.runId, runDir, ...(build !== undefined ? { build } : {}) };
  const stoppedBy = interruption.signal();
  if (stoppedBy !== undefined) {
    io.err(`tfpf drift: interrupted by ${stoppedBy}: nothing was recorded`);
    return { ...base, exitCode: stoppedBy === 'SIGINT' ? 130 : 143 };
  }
  if (build === undefined || build.status !== 'SUCCEEDED') {
    io.err(
      `tfpf drift: the drift check of ${release.tag} failed${build?.reason ? `: ${build.reason}` : ''} (log: ${path.join(runDir, 'plan', 'build.log')}); nothing was recorded`,
    );
    return { ...base, exitCode: 1 };
  }
  const check = driftCheckOf(build.exportedVariables);
  if (typeof check === 'string') {
    io.err(`tfpf drift: ${check}; nothing was recorded`);
    return { ...base, exitCode: 1 };
  }
  const recordFile = localDriftRecordFile(dataDir, release.environment, release.region, release.team);
  const previous = readLocalDriftRecord(dataDir, release.environment, release.region, release.team);
  const drift = nextDriftRecord(previous, {
    environment: release.environment,
    scope: release.region,
    team: release.team,
    stateKey: release.stateKey,
    tag: release.tag,
    commit: record.commit,
    checkedAt: now(),
    ...check,
    buildId: `${release.pipeline}-drift:${record.runId}`,
  });
  fs.mkdirSync(path.dirname(recordFile), { recursive: true });
  const item = { pk: driftRecordKey(drift.environment, drift.scope, drift.team), ...drift };
  fs.writeFileSync(`${recordFile}.tmp`, `${JSON.stringify(item, null, 2)}\n`);
  fs.renameSync(`${recordFile}.tmp`, recordFile);
  if (drift.drifted) {
    io.out(
      `DRIFT ${release.stateKey}: the plan of ${release.tag} shows ${driftCounts(drift)} (drifted since ${new Date(drift.driftedSince ?? drift.checkedAt).toISOString()})`,
    );
  } else {
    io.out(`no drift: ${release.stateKey} matches ${release.tag}`);
  }
  io.out(`  record   ${path.relative(process.cwd(), recordFile) || recordFile}`);
  return { ...base, exitCode: drift.drifted ? 2 : 0, record: drift, recordFile };
}
