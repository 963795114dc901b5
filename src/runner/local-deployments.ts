import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  AppliedRelease,
  DeploymentRecord,
  DeploymentState,
  DriftRecord,
  Slot,
} from '../deployment/deployment-record';
import { checkPromotion, type PromotionCheck } from '../deployment/promotion-gate';

/**
 * The local runner's equivalents of the ledger's records, read from its own files: one deployment record per
 * (environment, scope, team) from the run records (`<dataDir>/runs/<id>/run.json`; drift runs skipped), and the drift
 * records kept as `<dataDir>/drift/<environment>/<scope>/<team>.json` (one JSON object per file, with the drift
 * record's attributes). Unreadable or foreign
 * files are skipped, never trusted.
 */

/** Most run records read (newest run ids first). */
const MAX_RUNS = 5000;

/** The fields of a run record this module reads. */
interface RunRecordView {
  readonly runId: string;
  readonly createdAt: string;
  readonly commit: string;
  readonly pipeline: string;
  readonly release: {
    readonly tag: string;
    readonly environment: string;
    readonly region: string;
    readonly team: string;
    readonly version: string;
    readonly stateKey: string;
  };
  readonly checks: Record<string, string>;
  readonly applied: boolean;
  readonly appliedAt?: string;
  readonly applyStatus?: string;
  readonly taggedBy?: string;
}

const CHECKS = ['tflint', 'checkov', 'tfsec', 'plan'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function asRun(value: unknown): RunRecordView | undefined {
  if (!isRecord(value) || !isRecord(value.release) || !isRecord(value.checks)) return undefined;
  const r = value.release;
  const strings = [
    value.runId,
    value.createdAt,
    value.commit,
    value.pipeline,
    r.tag,
    r.environment,
    r.region,
    r.team,
    r.version,
    r.stateKey,
  ];
  if (!strings.every((s) => typeof s === 'string') || typeof value.applied !== 'boolean') return undefined;
  // A drift check (`tfpf drift`) is a plan of an applied release, not a release: it has its own record.
  if (value.mode === 'drift') return undefined;
  return value as unknown as RunRecordView;
}

/** A run's state: applied, failed (a check or the apply), awaiting approval (checks passed), or running. */
export function runState(run: RunRecordView): DeploymentState {
  if (run.applied) return 'applied';
  const checks = CHECKS.map((c) => run.checks[c]);
  if (checks.some((s) => s !== undefined && s !== 'SUCCEEDED')) return 'failed';
  if (run.applyStatus !== undefined && run.applyStatus !== 'SUCCEEDED') return 'failed';
  return checks.every((s) => s === 'SUCCEEDED') ? 'awaiting-approval' : 'running';
}

function runUpdatedAt(run: RunRecordView): number {
  return Date.parse(run.appliedAt ?? run.createdAt);
}

/** Every run record under `<dataDir>/runs`. */
export function readRunRecords(dataDir: string): RunRecordView[] {
  const runsDir = path.join(dataDir, 'runs');
  if (!fs.existsSync(runsDir)) return [];
  const ids = fs
    .readdirSync(runsDir)
    .filter((id) => /^[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$/.test(id))
    .sort()
    .reverse()
    .slice(0, MAX_RUNS);
  const runs: RunRecordView[] = [];
  for (const id of ids) {
    const run = asRun(readJson(path.join(runsDir, id, 'run.json')));
    if (run !== undefined && !Number.isNaN(Date.parse(run.createdAt))) runs.push(run);
  }
  return runs;
}

/** One deployment record per (environment, scope, team): the latest run's state, and the last apply. */
export function localDeployments(dataDir: string): DeploymentRecord[] {
  const bySlot = new Map<string, RunRecordView[]>();
  for (const run of readRunRecords(dataDir)) {
    const key = `${run.release.environment}#${run.release.region}#${run.release.team}`;
    bySlot.set(key, [...(bySlot.get(key) ?? []), run]);
  }
  const records: DeploymentRecord[] = [];
  for (const runs of bySlot.values()) {
    const latest = [...runs].sort((a, b) => runUpdatedAt(b) - runUpdatedAt(a))[0]!;
    const lastApplied = runs.filter((r) => r.applied).sort((a, b) => runUpdatedAt(b) - runUpdatedAt(a))[0];
    records.push({
      environment: latest.release.environment,
      scope: latest.release.region,
      team: latest.release.team,
      stateKey: latest.release.stateKey,
      tag: latest.release.tag,
      version: latest.release.version,
      commit: latest.commit,
      ...(latest.taggedBy === undefined ? {} : { tagger: latest.taggedBy }),
      pipelineName: latest.pipeline,
      executionId: latest.runId,
      state: runState(latest),
      updatedAt: runUpdatedAt(latest),
      ...(lastApplied === undefined
        ? {}
        : {
            applied: {
              tag: lastApplied.release.tag,
              version: lastApplied.release.version,
              commit: lastApplied.commit,
              executionId: lastApplied.runId,
              at: runUpdatedAt(lastApplied),
            },
          }),
    });
  }
  return records;
}

/** Sub-folders of `dir` (none when it is absent or not a folder). */
function subdirectories(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** The local drift record files, `<dataDir>/drift/<environment>/<scope>/<team>.json` (what `tfpf drift` writes). */
function driftRecordFiles(dataDir: string): string[] {
  const files: string[] = [];
  for (const envDir of subdirectories(path.join(dataDir, 'drift')))
    for (const scopeDir of subdirectories(envDir))
      for (const entry of fs
        .readdirSync(scopeDir, { withFileTypes: true })
        .sort((a, b) => (a.name < b.name ? -1 : 1)))
        if (entry.isFile() && entry.name.endsWith('.json')) files.push(path.join(scopeDir, entry.name));
  return files;
}

/** The local drift records (`<dataDir>/drift/<environment>/<scope>/<team>.json`). */
export function localDrifts(dataDir: string): DriftRecord[] {
  const out: DriftRecord[] = [];
  for (const file of driftRecordFiles(dataDir)) {
    const value = readJson(file);
    if (!isRecord(value)) continue;
    const { environment, scope, team, checkedAt, drifted } = value;
    if (typeof environment !== 'string' || typeof scope !== 'string' || typeof team !== 'string') continue;
    if (typeof checkedAt !== 'number' || typeof drifted !== 'boolean') continue;
    const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    out.push({
      environment,
      scope,
      team,
      stateKey: str(value.stateKey),
      tag: str(value.tag),
      commit: str(value.commit),
      checkedAt,
      drifted,
      ...(typeof value.driftedSince === 'number' ? { driftedSince: value.driftedSince } : {}),
      add: num(value.add),
      change: num(value.change),
      destroy: num(value.destroy),
      buildId: str(value.buildId),
    });
  }
  return out;
}

/**
 * The promotion gate on the local run records: `commit` must have been applied in `from` by a local run of the same
 * team and scope (at any time).
 */
export function localPromotionCheck(
  dataDir: string,
  target: Slot,
  commit: string,
  from: string,
): PromotionCheck {
  const inSource = readRunRecords(dataDir).filter(
    (r) =>
      r.applied &&
      r.release.environment === from &&
      r.release.region === target.scope &&
      r.release.team === target.team,
  );
  const latest = (runs: RunRecordView[]): AppliedRelease | undefined => {
    const run = [...runs].sort((a, b) => runUpdatedAt(b) - runUpdatedAt(a))[0];
    return run === undefined
      ? undefined
      : {
          tag: run.release.tag,
          version: run.release.version,
          commit: run.commit,
          executionId: run.runId,
          at: runUpdatedAt(run),
        };
  };
  return checkPromotion(target, commit, from, {
    commit: latest(inSource.filter((r) => r.commit === commit)),
    last: latest(inSource),
  });
}
