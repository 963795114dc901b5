import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../src/cli/output';
import { loadConfig, type FactoryModel } from '../../src/config';
import { projectRoot } from '../../src/local/project-paths';
import { runRelease, type RunRequest, type RunResult } from '../../src/runner';

/** The project's default configuration (pipelines/): stateBucketPrefix acme-tfstate, teams research and risk. */
export function defaultConfig(): FactoryModel {
  return loadConfig(path.join(projectRoot(), 'pipelines'));
}

export function fixture(name: string): string {
  return path.join(projectRoot(), 'test', 'fixtures', name);
}

export function example(): string {
  return path.join(projectRoot(), 'examples', 'infra');
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Collects what a command prints. */
export class CapturedIo implements CliIo {
  readonly lines: string[] = [];
  readonly errors: string[] = [];
  readonly out = (text: string): void => {
    this.lines.push(...text.replace(/\n$/, '').split('\n'));
  };
  readonly err = (text: string): void => {
    this.errors.push(...text.replace(/\n$/, '').split('\n'));
  };
  text(): string {
    return [...this.lines, ...this.errors].join('\n');
  }
}

export interface CapturedRun {
  readonly result: RunResult;
  readonly io: CapturedIo;
}

export async function run(request: RunRequest): Promise<CapturedRun> {
  const io = new CapturedIo();
  const result = await runRelease(request, io);
  return { result, io };
}

export function actionStatus(result: RunResult): Record<string, string> {
  return Object.fromEntries(result.actions.map((a) => [a.action, a.status]));
}

export function actionLog(result: RunResult, action: string): string {
  return fs.readFileSync(path.join(result.runDir, action, 'build.log'), 'utf8');
}
