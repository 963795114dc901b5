import {
  CodePipelineClient,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  type ActionExecutionDetail,
} from '@aws-sdk/client-codepipeline';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { buildFailureNotification, RELEASE_FAILED, type FailedAction } from './failure-message';
import { NOTIFIER_ENV } from './notifier-environment';

/** The EventBridge event CodePipeline emits when an execution changes state. */
export interface PipelineExecutionStateChangeEvent {
  readonly version?: string;
  readonly id?: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account?: string;
  readonly region: string;
  readonly time?: string;
  readonly detail: {
    readonly pipeline: string;
    readonly 'execution-id': string;
    readonly state: string;
    readonly version?: number;
  };
}

export interface NotifierClients {
  readonly codepipeline: CodePipelineClient;
  readonly sns: SNSClient;
  readonly events: EventBridgeClient;
}

export interface NotifierSettings {
  readonly topicArn: string;
  readonly eventSource: string;
  readonly environments: Readonly<Record<string, string>>;
}

/** Most action executions read for one failed execution (5 pages of 100). */
const MAX_PAGES = 5;

async function failedActions(
  client: CodePipelineClient,
  pipelineName: string,
  pipelineExecutionId: string,
): Promise<FailedAction[]> {
  const failed: FailedAction[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await client.send(
      new ListActionExecutionsCommand({
        pipelineName,
        filter: { pipelineExecutionId },
        maxResults: 100,
        nextToken,
      }),
    );
    for (const detail of out.actionExecutionDetails ?? []) {
      if (detail.status === 'Failed') failed.push(toFailedAction(detail));
    }
    nextToken = out.nextToken;
    if (nextToken === undefined) break;
  }
  return failed;
}

function toFailedAction(detail: ActionExecutionDetail): FailedAction {
  const result = detail.output?.executionResult;
  const summary = result?.errorDetails?.message ?? result?.externalExecutionSummary;
  return {
    stage: detail.stageName ?? 'unknown',
    action: detail.actionName ?? 'unknown',
    ...(summary === undefined ? {} : { summary }),
    ...(result?.externalExecutionUrl === undefined ? {} : { url: result.externalExecutionUrl }),
  };
}

/**
 * Handles one `CodePipeline Pipeline Execution State Change` event with state FAILED: reads the execution's
 * variables (the release tag is a pipeline variable, which an EventBridge input transformer cannot read) and its
 * failed actions, then publishes to the failure topic and puts a `Release Failed` event. AWS errors propagate so
 * Lambda retries the event.
 */
export function createHandler(
  clients: NotifierClients,
  settings: NotifierSettings,
): (event: PipelineExecutionStateChangeEvent) => Promise<void> {
  return async (event) => {
    const pipelineName = event.detail.pipeline;
    const executionId = event.detail['execution-id'];
    if (event.detail.state !== 'FAILED') return;
    const execution = await clients.codepipeline.send(
      new GetPipelineExecutionCommand({ pipelineName, pipelineExecutionId: executionId }),
    );
    const variables: Record<string, string> = {};
    for (const v of execution.pipelineExecution?.variables ?? []) {
      if (v.name !== undefined && v.resolvedValue !== undefined) variables[v.name] = v.resolvedValue;
    }
    const actions = await failedActions(clients.codepipeline, pipelineName, executionId);
    const statusSummary = execution.pipelineExecution?.statusSummary;
    const fallbackEnvironment = settings.environments[pipelineName];
    const notification = buildFailureNotification({
      pipeline: pipelineName,
      executionId,
      region: event.region,
      variables,
      failedActions: actions,
      ...(statusSummary === undefined ? {} : { statusSummary }),
      ...(fallbackEnvironment === undefined ? {} : { fallbackEnvironment }),
    });
    await clients.sns.send(
      new PublishCommand({
        TopicArn: settings.topicArn,
        Subject: notification.subject,
        Message: notification.message,
      }),
    );
    await clients.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: settings.eventSource,
            DetailType: RELEASE_FAILED,
            Detail: JSON.stringify(notification.detail),
            Resources: [],
          },
        ],
      }),
    );
  };
}

function settingsFromEnvironment(env: NodeJS.ProcessEnv): NotifierSettings {
  const topicArn = env[NOTIFIER_ENV.topicArn];
  if (topicArn === undefined || topicArn === '') {
    throw new Error(`tfpf failure notifier: ${NOTIFIER_ENV.topicArn} is not set`);
  }
  const environments = JSON.parse(env[NOTIFIER_ENV.environments] ?? '{}') as Record<string, string>;
  return { topicArn, environments, eventSource: env[NOTIFIER_ENV.eventSource] ?? 'tfpf' };
}

// Clients are created once per container, as in production; settings are read on first use so that importing
// this module (in tests) does no work.
const clients: NotifierClients = {
  codepipeline: new CodePipelineClient({}),
  sns: new SNSClient({}),
  events: new EventBridgeClient({}),
};
let handlerInstance: ((event: PipelineExecutionStateChangeEvent) => Promise<void>) | undefined;

export async function handler(event: PipelineExecutionStateChangeEvent): Promise<void> {
  handlerInstance ??= createHandler(clients, settingsFromEnvironment(process.env));
  await handlerInstance(event);
}
