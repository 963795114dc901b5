import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderTable } from '../cli/output';
import type { ActionOutcome } from './run-release';

export interface ActionRow {
  readonly stage: string;
  readonly action: string;
  readonly result: string;
  readonly seconds?: number;
}

/** Lines of a failed build worth showing: findings, Terraform errors, the stale-plan message. */
const KEY_LINE =
  /^(?:(?:tflint|tfsec|checkov) (?:\S+ \S+:\d+ \S+ FAIL:|ERROR:)|stale plan:|Error: |the plan artifact|invalid |cannot )/;

export function failureDetails(logFile: string, maxLines = 12): string[] {
  if (!fs.existsSync(logFile)) return [];
  const lines = fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const key = lines.filter((l) => KEY_LINE.test(l));
  const chosen = key.length > 0 ? key : lines.filter((l) => !l.startsWith('[Container]')).slice(-maxLines);
  return chosen.slice(0, maxLines).map((l) => (l.length > 200 ? `${l.slice(0, 200)}…` : l));
}

/** The results table, why failed actions failed, and the plan summary. */
export function renderRunReport(options: {
  readonly rows: readonly ActionRow[];
  readonly runDir: string;
  readonly outcomes: readonly ActionOutcome[];
  readonly planSummaryFile: string;
  readonly showPlanSummary: boolean;
}): string {
  const out: string[] = [''];
  out.push(
    renderTable(
      ['stage', 'action', 'result', 'seconds'],
      options.rows.map((r) => [
        r.stage,
        r.action,
        r.result,
        r.seconds !== undefined ? r.seconds.toFixed(1) : '',
      ]),
    ),
  );
  for (const outcome of options.outcomes) {
    if (outcome.status === 'SUCCEEDED' || outcome.build === undefined) continue;
    out.push('', `${outcome.stage}/${outcome.action} ${outcome.status}: ${outcome.reason ?? ''}`.trimEnd());
    for (const line of failureDetails(outcome.build.logFile)) out.push(`  ${line}`);
    out.push(`  log: ${outcome.build.logFile}`);
  }
  if (options.showPlanSummary && fs.existsSync(options.planSummaryFile)) {
    out.push('', fs.readFileSync(options.planSummaryFile, 'utf8').trimEnd());
  }
  out.push('', `run folder: ${path.relative(process.cwd(), options.runDir) || options.runDir}`);
  return out.join('\n');
}
