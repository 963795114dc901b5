/**
 * Tag handler benchmark: bundle size (esbuild, minified, `@aws-sdk/*` external, as the Lambda is built) and median
 * per-event processing time excluding AWS calls (stub clients that resolve immediately).
 *
 * Run: node --require tsx/cjs bench/handler.ts [--events N] [--config DIR]
 * Targets: bundle ≤ 100 KB, median ≤ 1 ms per event. Exits 1 when a target is missed.
 */
import * as path from 'node:path';
import type { CodeCommitClient } from '@aws-sdk/client-codecommit';
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SNSClient } from '@aws-sdk/client-sns';
import { build } from 'esbuild';
import { loadConfig, type FactoryModel } from '../src/config';
import { CONFIG_DEFINE } from '../src/trigger/handler-environment';
import { createReleaseHandler } from '../src/trigger/release-handler';
import { DeploymentStore } from '../src/deployment/deployment-store';
import { ReleaseLedger } from '../src/trigger/release-ledger';
import { toTriggerConfig } from '../src/trigger/trigger-config';

const ROOT = path.join(__dirname, '..');
const TARGET_BYTES = 100 * 1024;
const TARGET_MS = 1;

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

async function bundleSize(config: FactoryModel): Promise<number> {
  const result = await build({
    entryPoints: [path.join(ROOT, 'src/trigger/lambda.ts')],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node24',
    external: ['@aws-sdk/*'],
    define: { [CONFIG_DEFINE]: JSON.stringify(JSON.stringify(toTriggerConfig(config))) },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
}

/** A client whose `send` answers from the command's class name, immediately. */
function stub<T>(answer: (command: string, input: Record<string, unknown>) => unknown): T {
  return {
    send: (command: { constructor: { name: string }; input: Record<string, unknown> }) =>
      Promise.resolve(answer(command.constructor.name, command.input)),
  } as unknown as T;
}

function hex(n: number): string {
  return n.toString(16).padStart(40, '0');
}

function tagEvent(config: FactoryModel, i: number): Record<string, unknown> {
  const env = config.environments[i % config.environments.length]!;
  const region = env.regions[i % env.regions.length]!;
  const teams = Object.keys(env.teams);
  const team = teams[i % teams.length]!;
  const tag = `${env.environment}_${i % 7 === 0 ? 'global' : region}/${team}/1.${i}.0`;
  return {
    version: '0',
    id: `bench-${i}`,
    source: 'aws.codecommit',
    'detail-type': 'CodeCommit Repository State Change',
    account: '123456789012',
    region: 'eu-central-1',
    time: '2026-01-01T00:00:00Z',
    resources: [`arn:aws:codecommit:eu-central-1:123456789012:${config.factory.repository}`],
    detail: {
      event: 'referenceCreated',
      repositoryName: config.factory.repository,
      referenceType: 'tag',
      referenceName: tag,
      referenceFullName: `refs/tags/${tag}`,
      commitId: hex(i + 1),
      callerUserArn: 'arn:aws:iam::123456789012:user/bench',
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0 ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[mid]!;
}

async function main(): Promise<void> {
  const config = loadConfig(argument('--config', path.join(ROOT, 'pipelines')));
  const count = Number(argument('--events', '10000'));
  const bytes = await bundleSize(config);

  const handle = createReleaseHandler({
    config,
    codecommit: stub<CodeCommitClient>((name, input) => {
      if (name === 'GetCommitCommand') return { commit: { commitId: input.commitId, treeId: 'tree' } };
      if (name === 'GetBranchCommand') return { branch: { commitId: hex(0) } };
      return { baseCommitId: input.sourceCommitSpecifier };
    }),
    codepipeline: stub<CodePipelineClient>(() => ({ pipelineExecutionId: 'exec-1' })),
    sns: stub<SNSClient>(() => ({ MessageId: 'm' })),
    events: stub<EventBridgeClient>(() => ({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] })),
    ledger: new ReleaseLedger(
      stub<DynamoDBClient>(() => ({})),
      { tableName: 'bench', pendingTimeoutSeconds: 60, retentionDays: 30 },
    ),
    deployments: new DeploymentStore(
      stub<DynamoDBClient>(() => ({})),
      'bench',
    ),
    failureTopicArn: 'arn:aws:sns:eu-central-1:123456789012:failures',
    log: () => undefined,
  });

  const events = Array.from({ length: count }, (_, i) => tagEvent(config, i));
  for (const event of events.slice(0, 500)) await handle(event); // warm-up
  const timings: number[] = [];
  let started = 0;
  for (const event of events) {
    const t0 = process.hrtime.bigint();
    const outcome = await handle(event);
    timings.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (outcome.status === 'started') started += 1;
  }
  const med = median(timings);
  const p99 = [...timings].sort((a, b) => a - b)[Math.floor(timings.length * 0.99)] ?? 0;
  const sizeOk = bytes <= TARGET_BYTES;
  const timeOk = med <= TARGET_MS;
  console.log(
    `bundle (minified, @aws-sdk/* external): ${(bytes / 1024).toFixed(1)} KB (target <= 100 KB) ${sizeOk ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `per event over ${count} tag events (${started} started, AWS stubbed): median ${(med * 1000).toFixed(1)} us, p99 ${(p99 * 1000).toFixed(1)} us (target <= 1 ms) ${timeOk ? 'OK' : 'MISSED'}`,
  );
  console.log(JSON.stringify({ bundleBytes: bytes, events: count, started, medianMs: med, p99Ms: p99 }));
  if (!sizeOk || !timeOk || started !== count) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
