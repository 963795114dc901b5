/**
 * What a failed pipeline execution is reported as: SNS subject and message on the failure topic, and the detail of
 * the `Release Failed` EventBridge event. Pure: the Lambda entry (`lambda.ts`) gathers the facts with SDK calls.
 */

export const RELEASE_FAILED = 'Release Failed';

/** One action that failed in the execution. */
export interface FailedAction {
  readonly stage: string;
  readonly action: string;
  /** CodePipeline's error or external execution summary, when there is one. */
  readonly summary?: string;
  /** Link to the action's own run (e.g. the CodeBuild build), when there is one. */
  readonly url?: string;
}

/** Everything known about a failed execution. */
export interface FailureFacts {
  readonly pipeline: string;
  readonly executionId: string;
  /** Region of the pipeline (for the console link). */
  readonly region: string;
  /** Resolved pipeline variables of the execution (RELEASE_TAG, ENVIRONMENT, …); empty when unknown. */
  readonly variables: Readonly<Record<string, string>>;
  readonly failedActions: readonly FailedAction[];
  /** Execution status summary from GetPipelineExecution, if any. */
  readonly statusSummary?: string;
  /** Environment to report when the execution carries no ENVIRONMENT variable. */
  readonly fallbackEnvironment?: string;
}

/** Detail of the `Release Failed` event (source `tfpf`). */
export interface ReleaseFailedDetail {
  readonly pipeline: string;
  readonly executionId: string;
  readonly environment: string;
  /** The release tag, or null when the execution was not started by the tag handler. */
  readonly tag: string | null;
  readonly commit: string | null;
  readonly team: string | null;
  readonly region: string | null;
  readonly account: string | null;
  /** Stage where the execution failed (`unknown` when no failed action was found). */
  readonly failedStage: string;
  readonly failedActions: readonly FailedAction[];
  readonly consoleUrl: string;
}

export interface FailureNotification {
  readonly subject: string;
  readonly message: string;
  readonly detail: ReleaseFailedDetail;
}

const MAX_FIELD = 500;
const SUBJECT_MAX = 100;

/** One printable-ASCII line, bounded: values come from pipeline variables and build summaries. */
export function oneLine(value: string, max = MAX_FIELD): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    out += code < 0x20 || code > 0x7e ? ' ' : char;
  }
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max - 3)}...` : out;
}

/** Console page of one pipeline execution. */
export function executionConsoleUrl(region: string, pipeline: string, executionId: string): string {
  const r = encodeURIComponent(region);
  return (
    `https://${r}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${encodeURIComponent(pipeline)}` +
    `/executions/${encodeURIComponent(executionId)}/timeline?region=${r}`
  );
}

function variable(facts: FailureFacts, name: string): string | null {
  const value = facts.variables[name];
  return value === undefined || value === '' ? null : oneLine(value, 200);
}

/** Builds the notification for a failed execution. */
export function buildFailureNotification(facts: FailureFacts): FailureNotification {
  const tag = variable(facts, 'RELEASE_TAG');
  const environment = variable(facts, 'ENVIRONMENT') ?? facts.fallbackEnvironment ?? facts.pipeline;
  const stages = [...new Set(facts.failedActions.map((a) => a.stage))];
  const failedStage = stages.length > 0 ? stages.join(', ') : 'unknown';
  const consoleUrl = executionConsoleUrl(facts.region, facts.pipeline, facts.executionId);
  const failedActions = facts.failedActions.map((a) => ({
    stage: oneLine(a.stage, 100),
    action: oneLine(a.action, 100),
    ...(a.summary === undefined ? {} : { summary: oneLine(a.summary) }),
    ...(a.url === undefined ? {} : { url: a.url }),
  }));
  const detail: ReleaseFailedDetail = {
    pipeline: facts.pipeline,
    executionId: facts.executionId,
    environment,
    tag,
    commit: variable(facts, 'COMMIT_ID'),
    team: variable(facts, 'TEAM'),
    region: variable(facts, 'REGION'),
    account: variable(facts, 'TARGET_ACCOUNT'),
    failedStage,
    failedActions,
    consoleUrl,
  };
  const rejected = failedActions.some((a) => a.stage === 'Approval');
  const what = rejected ? 'rejected or timed out at approval' : `failed at ${failedStage}`;
  const subject = oneLine(`tfpf: ${environment} release ${tag ?? '(no tag)'} ${what}`, SUBJECT_MAX);
  const lines = [
    `The ${environment} pipeline ${facts.pipeline} ${what}: nothing after that stage ran.`,
    '',
    `Tag:          ${tag ?? '(none: the execution was not started by the tag handler)'}`,
    `Environment:  ${environment}`,
    `Failed stage: ${failedStage}`,
    `Commit:       ${detail.commit ?? '(unknown)'}`,
    `Team:         ${detail.team ?? '(unknown)'}`,
    `Scope:        ${detail.region ?? '(unknown)'}`,
    `Account:      ${detail.account ?? '(unknown)'}`,
    `Execution:    ${facts.executionId}`,
    `Console:      ${consoleUrl}`,
  ];
  if (failedActions.length > 0) {
    lines.push('', 'Failed actions:');
    for (const a of failedActions) {
      lines.push(`  - ${a.stage} / ${a.action}${a.summary === undefined ? '' : `: ${a.summary}`}`);
      if (a.url !== undefined) lines.push(`    ${a.url}`);
    }
  } else if (facts.statusSummary !== undefined) {
    lines.push('', `Status: ${oneLine(facts.statusSummary)}`);
  }
  lines.push(
    '',
    'Release tags are immutable: fix the cause, then release again with a new tag (a new version).',
  );
  return { subject, message: lines.join('\n'), detail };
}
