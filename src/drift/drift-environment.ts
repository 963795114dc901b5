/** Environment variables the DriftChecks construct sets on the drift functions. */
export const DRIFT_ENV = {
  /** The release ledger table (deployment records are read, drift records written). */
  table: 'TFPF_RELEASE_TABLE',
  /** The failures topic. */
  topicArn: 'TFPF_FAILURE_TOPIC_ARN',
  /** Release config JSON, only when the bundle was built without the define (tests). */
  config: 'TFPF_TRIGGER_CONFIG',
} as const;
