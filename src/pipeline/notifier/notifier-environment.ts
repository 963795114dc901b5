/** Environment variables of the failure notifier function (set by the `FailureNotifier` construct). */
export const NOTIFIER_ENV = {
  topicArn: 'FAILURE_TOPIC_ARN',
  /** JSON object: pipeline name → environment name. */
  environments: 'PIPELINE_ENVIRONMENTS',
  eventSource: 'EVENT_SOURCE',
} as const;
