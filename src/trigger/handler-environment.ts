/** Environment variables the construct sets on the tag handler, and the bundle-time config constant. */
export const ENV = {
  /** Release ledger table (DynamoDB) used for duplicate detection. */
  table: 'TFPF_RELEASE_TABLE',
  /** Failures and rejections SNS topic. */
  topicArn: 'TFPF_FAILURE_TOPIC_ARN',
  /** Seconds after which an unfinished claim is considered abandoned (a crashed attempt). */
  pendingTimeoutSeconds: 'TFPF_PENDING_TIMEOUT_SECONDS',
  /** Days a ledger record is kept. */
  ledgerDays: 'TFPF_LEDGER_DAYS',
  /** Trigger config JSON, only when the bundle was built without the define (tests, local runs). */
  config: 'TFPF_TRIGGER_CONFIG',
} as const;

/** Identifier replaced by esbuild `define` with the trigger config JSON (a string literal) at synth time. */
export const CONFIG_DEFINE = '__TFPF_TRIGGER_CONFIG__';
