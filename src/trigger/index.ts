/**
 * Release trigger: EventBridge rules (rules/*.json) → tag handler Lambda → StartPipelineExecution.
 * The Lambda entry (lambda.ts) imports its modules directly, so this index (which pulls in the CDK) stays out of
 * the handler bundle.
 */
export { ReleaseTrigger, toCdkEventPattern, type ReleaseTriggerProps } from './release-trigger';
export {
  codeCommitRepositoryArn,
  loadRuleTemplates,
  renderPattern,
  RulePatternError,
  type EventPatternJson,
  type PatternValues,
  type RuleTemplate,
} from './rule-patterns';
export {
  RELEASE_EVENT_SOURCE,
  RELEASE_REJECTED,
  RELEASE_STARTED,
  type ReleaseRejectedDetail,
  type ReleaseStartedDetail,
} from './release-events';
export { decide, type Decision, type RejectionCode } from './release-decision';
