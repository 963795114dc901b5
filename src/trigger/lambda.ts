import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeploymentStore } from '../deployment/deployment-store';
import { ENV } from './handler-environment';
import { createReleaseHandler, type ReleaseHandler, type ReleaseOutcome } from './release-handler';
import { ReleaseLedger } from './release-ledger';
import { toFactoryModel, type TriggerConfig } from './trigger-config';

/** Replaced by esbuild `define` with the trigger config JSON at synth (see ReleaseTrigger). */
declare const __TFPF_TRIGGER_CONFIG__: string | undefined;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(`tfpf tag handler: environment variable ${name} is not set`);
  return value;
}

function embeddedConfig(): TriggerConfig {
  const raw = typeof __TFPF_TRIGGER_CONFIG__ === 'string' ? __TFPF_TRIGGER_CONFIG__ : required(ENV.config);
  return JSON.parse(raw) as TriggerConfig;
}

let cached: ReleaseHandler | undefined;

/** Builds the handler once per container: SDK clients and the config are reused across invocations. */
function handlerForContainer(): ReleaseHandler {
  if (cached !== undefined) return cached;
  const dynamodb = new DynamoDBClient({});
  const tableName = required(ENV.table);
  cached = createReleaseHandler({
    config: toFactoryModel(embeddedConfig()),
    codecommit: new CodeCommitClient({}),
    codepipeline: new CodePipelineClient({}),
    sns: new SNSClient({}),
    events: new EventBridgeClient({}),
    ledger: new ReleaseLedger(dynamodb, {
      tableName,
      pendingTimeoutSeconds: Number(process.env[ENV.pendingTimeoutSeconds] ?? '60'),
      retentionDays: Number(process.env[ENV.ledgerDays] ?? '30'),
    }),
    deployments: new DeploymentStore(dynamodb, tableName),
    failureTopicArn: required(ENV.topicArn),
  });
  return cached;
}

/** Lambda entry point (EventBridge target). */
export async function handler(event: unknown): Promise<ReleaseOutcome> {
  return handlerForContainer()(event);
}
