import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeploymentStore } from '../deployment-store';
import { createDeploymentRecorder, RECORDER_ENV, type RecorderResult } from './record-execution';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(`tfpf deployment recorder: environment variable ${name} is not set`);
  return value;
}

// The client is created once per container; settings are read on first use, so importing this module does no work.
const dynamodb = new DynamoDBClient({});
let recorder: ((event: unknown) => Promise<RecorderResult>) | undefined;

/** Lambda entry point (EventBridge target of the pipelines' execution and approval events). */
export async function handler(event: unknown): Promise<RecorderResult> {
  recorder ??= createDeploymentRecorder({
    store: new DeploymentStore(dynamodb, required(RECORDER_ENV.table)),
    pipelines: new Set(JSON.parse(required(RECORDER_ENV.pipelines)) as string[]),
  });
  return recorder(event);
}
