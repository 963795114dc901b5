import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { FactoryModel } from '../config/model';
import { toFactoryModel, type TriggerConfig } from '../trigger/trigger-config';
import { DRIFT_ENV } from './drift-environment';
import { recordDriftCheck, type DriftCheckEvent, type DriftCheckOutcome } from './drift-recorder';
import { listDriftTargets, type DriftTargets } from './drift-targets';

/** Replaced by esbuild `define` with the factory's release config JSON at synth (see DriftChecks). */
declare const __TFPF_TRIGGER_CONFIG__: string | undefined;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(`tfpf drift: environment variable ${name} is not set`);
  return value;
}

let config: FactoryModel | undefined;
let dynamodb: DynamoDBClient | undefined;
let sns: SNSClient | undefined;
let events: EventBridgeClient | undefined;

function factoryConfig(): FactoryModel {
  const raw =
    typeof __TFPF_TRIGGER_CONFIG__ === 'string' ? __TFPF_TRIGGER_CONFIG__ : required(DRIFT_ENV.config);
  config ??= toFactoryModel(JSON.parse(raw) as TriggerConfig);
  return config;
}

/** State machine input of the lister: the environment whose state keys are checked. */
export interface ListEvent {
  readonly environment: string;
}

/** Lists the applied releases of the environment (first state of the drift state machine). */
export async function listHandler(event: ListEvent): Promise<DriftTargets> {
  const model = factoryConfig();
  if (!model.environments.some((env) => env.environment === event.environment)) {
    throw new Error(`tfpf drift: ${JSON.stringify(event.environment)} is not a configured environment`);
  }
  dynamodb ??= new DynamoDBClient({});
  const result = await listDriftTargets(dynamodb, required(DRIFT_ENV.table), event.environment, model);
  for (const skipped of result.skipped) {
    process.stdout.write(`${JSON.stringify({ message: 'deployment record skipped', ...skipped })}\n`);
  }
  return result;
}

/** Records one drift build's result (last state of each Map iteration). */
export async function recordHandler(event: DriftCheckEvent): Promise<DriftCheckOutcome> {
  dynamodb ??= new DynamoDBClient({});
  sns ??= new SNSClient({});
  events ??= new EventBridgeClient({});
  const outcome = await recordDriftCheck(
    {
      dynamodb,
      sns,
      events,
      tableName: required(DRIFT_ENV.table),
      failureTopicArn: required(DRIFT_ENV.topicArn),
    },
    event,
  );
  process.stdout.write(`${JSON.stringify({ message: 'drift check recorded', ...outcome })}\n`);
  return outcome;
}
