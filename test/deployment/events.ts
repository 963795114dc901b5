/**
 * CodePipeline EventBridge events shaped like the real ones ("Monitoring CodePipeline events" in the CodePipeline
 * user guide): execution state changes, and action state changes of the manual approval.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-central-1';

export function executionEvent(
  pipeline: string,
  executionId: string,
  state: string,
  time: string,
): Record<string, unknown> {
  return {
    version: '0',
    id: `${executionId.slice(0, 8)}-${state.toLowerCase()}-${time}`,
    'detail-type': 'CodePipeline Pipeline Execution State Change',
    source: 'aws.codepipeline',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [`arn:aws:codepipeline:${REGION}:${ACCOUNT}:${pipeline}`],
    detail: {
      pipeline,
      'execution-id': executionId,
      'start-time': '2026-12-01T10:00:00.000Z',
      'execution-trigger': {
        'trigger-type': 'StartPipelineExecution',
        'trigger-detail': `arn:aws:sts::${ACCOUNT}:assumed-role/handler`,
      },
      state,
      version: 3,
      'pipeline-execution-attempt': 1,
    },
  };
}

export function approvalEvent(
  pipeline: string,
  executionId: string,
  state: string,
  time: string,
): Record<string, unknown> {
  return {
    version: '0',
    id: `${executionId.slice(0, 8)}-approval-${state.toLowerCase()}-${time}`,
    'detail-type': 'CodePipeline Action Execution State Change',
    source: 'aws.codepipeline',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [`arn:aws:codepipeline:${REGION}:${ACCOUNT}:${pipeline}`],
    detail: {
      pipeline,
      'execution-id': executionId,
      'start-time': '2026-12-01T10:00:00.000Z',
      stage: 'Approval',
      'action-execution-id': 'b1a2c3d4-0000-4000-8000-000000000001',
      action: 'approve',
      state,
      region: REGION,
      type: { owner: 'AWS', provider: 'Manual', category: 'Approval', version: '1' },
      version: 3,
      'pipeline-execution-attempt': 1,
    },
  };
}

/** An action event of a build action (not an approval): changes no record. */
export function buildActionEvent(
  pipeline: string,
  executionId: string,
  state: string,
  time: string,
): Record<string, unknown> {
  const event = approvalEvent(pipeline, executionId, state, time);
  return {
    ...event,
    detail: {
      ...(event.detail as Record<string, unknown>),
      stage: 'Checks',
      action: 'plan',
      type: { owner: 'AWS', provider: 'CodeBuild', category: 'Build', version: '1' },
    },
  };
}
