import { z } from 'zod';
import { scheduleExpressionProblem } from './schedule-expression';
import { describe } from './schema-primitives';

/** Drift checks running at once when `drift.concurrency` is not set: well under a new account's CodeBuild quota. */
export const DEFAULT_DRIFT_CONCURRENCY = 2;
/** Upper bound of `drift.concurrency`: drift builds must leave CodeBuild capacity to the release pipelines. */
export const MAX_DRIFT_CONCURRENCY = 10;

const scheduleSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required (an EventBridge Scheduler expression such as "rate(1 day)" or "cron(0 6 * * ? *)")'
        : `must be an EventBridge Scheduler expression such as "rate(1 day)" or "cron(0 6 * * ? *)"; found ${describe(issue.input)}`,
  })
  .superRefine((value, ctx) => {
    const problem = scheduleExpressionProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

const concurrencySchema = z
  .number({
    error: (issue) => `must be a whole number of builds; found ${describe(issue.input)}`,
  })
  .int({ error: 'must be a whole number of builds' })
  .min(1, { error: 'must be at least 1' })
  .max(MAX_DRIFT_CONCURRENCY, {
    error: `must be at most ${MAX_DRIFT_CONCURRENCY}: drift builds share the account's CodeBuild concurrency quota with the release pipelines`,
  });

/** `drift:` of an environment: scheduled plans of every state key's last applied release. */
export const driftSchema = z
  .strictObject({
    schedule: scheduleSchema.describe(
      'EventBridge Scheduler expression (UTC): rate(<n> <minute|minutes|hour|hours|day|days>), cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) or at(<yyyy-mm-ddThh:mm:ss>).',
    ),
    concurrency: concurrencySchema
      .default(DEFAULT_DRIFT_CONCURRENCY)
      .describe(
        `Drift builds running at once (1-${MAX_DRIFT_CONCURRENCY}). Default: ${DEFAULT_DRIFT_CONCURRENCY}.`,
      ),
  })
  .describe(
    'Scheduled drift checks: a read-only plan of the last applied release of every state key of this environment. Default: none.',
  );

export type DriftConfig = z.output<typeof driftSchema>;
