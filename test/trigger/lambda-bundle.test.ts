import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { buildSync } from 'esbuild';
import { CONFIG_DEFINE, ENV } from '../../src/trigger/handler-environment';
import { toTriggerConfig } from '../../src/trigger/trigger-config';
import { COMMIT, defaultConfig, referenceEvent } from './fixtures';
import { fakeCodeCommit } from './harness';

/**
 * The handler as deployed: bundled by esbuild the way NodejsFunction does (minified, @aws-sdk/* external, the config
 * defined at build time), loaded, and invoked with the environment the construct sets. AWS is mocked.
 */

// Inside the project (node_modules/.cache) so the bundle's require("@aws-sdk/…") resolves as in Lambda's runtime.
const cache = path.join(__dirname, '..', '..', 'node_modules', '.cache');
fs.mkdirSync(cache, { recursive: true });
const dir = fs.mkdtempSync(path.join(cache, 'tfpf-lambda-bundle-'));
const bundle = path.join(dir, 'index.js');
const saved = { ...process.env };
type Entry = { handler: (event: unknown) => Promise<{ status: string }> };
let entry: Entry;

const codecommit = mockClient(CodeCommitClient);
const codepipeline = mockClient(CodePipelineClient);
const events = mockClient(EventBridgeClient);
const dynamodb = mockClient(DynamoDBClient);
mockClient(SNSClient).onAnyCommand().resolves({});

beforeAll(() => {
  buildSync({
    entryPoints: [path.join(__dirname, '..', '..', 'src', 'trigger', 'lambda.ts')],
    outfile: bundle,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    external: ['@aws-sdk/*'],
    define: { [CONFIG_DEFINE]: JSON.stringify(JSON.stringify(toTriggerConfig(defaultConfig()))) },
    logLevel: 'silent',
  });
  Object.assign(process.env, {
    AWS_REGION: 'eu-central-1',
    [ENV.table]: 'ledger',
    [ENV.topicArn]: 'arn:aws:sns:eu-central-1:123456789012:failures',
    [ENV.pendingTimeoutSeconds]: '60',
    [ENV.ledgerDays]: '30',
  });
  delete process.env[ENV.config]; // the bundle must not need it
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  entry = require(bundle) as Entry;
});

afterAll(() => {
  process.env = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the bundle is small and keeps the AWS SDK external', () => {
  const code = fs.readFileSync(bundle, 'utf8');
  expect(code.length).toBeLessThan(100 * 1024);
  expect(code).toContain('require("@aws-sdk/client-dynamodb")');
});

test('the bundled handler starts the pipeline from its embedded config', async () => {
  fakeCodeCommit(codecommit);
  codepipeline.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec-42' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
  dynamodb.onAnyCommand().resolves({});

  await expect(entry.handler(referenceEvent({ name: 'staging_global/risk/2.1' }))).resolves.toEqual({
    status: 'started',
    pipeline: 'tfpf-staging',
    executionId: 'exec-42',
  });
  expect(codepipeline.commandCalls(StartPipelineExecutionCommand)[0]?.args[0].input).toMatchObject({
    name: 'tfpf-staging',
    variables: expect.arrayContaining([
      { name: 'TARGET_REGION', value: 'us-east-1' },
      { name: 'TARGET_ACCOUNT', value: '222222222224' },
      { name: 'COMMIT_ID', value: COMMIT },
    ]),
  });
});

test('the bundled handler ignores a deleted tag without any AWS call', async () => {
  codepipeline.resetHistory();
  dynamodb.resetHistory();
  await expect(entry.handler(referenceEvent({ event: 'referenceDeleted' }))).resolves.toMatchObject({
    status: 'ignored',
  });
  expect(dynamodb.calls()).toHaveLength(0);
  expect(codepipeline.calls()).toHaveLength(0);
});
