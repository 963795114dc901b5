import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { bundleEntry } from '../../src/pipeline/bundled-code';
import { RECORDER_ENV } from '../../src/deployment/recorder/record-execution';
import { executionEvent } from './events';

/**
 * The recorder as deployed: bundled with the construct's own bundler, loaded with the environment the construct
 * sets, and invoked. DynamoDB is mocked here only to see the calls the bundle makes; what the conditional writes do
 * is tested against moto (recorder.moto.test.ts).
 */

const cache = path.join(__dirname, '..', '..', 'node_modules', '.cache');
fs.mkdirSync(cache, { recursive: true });
const dir = fs.mkdtempSync(path.join(cache, 'tfpf-recorder-bundle-'));
const bundle = path.join(dir, 'index.js');
const saved = { ...process.env };
const dynamodb = mockClient(DynamoDBClient);
type Entry = { handler: (event: unknown) => Promise<{ status: string; key?: string }> };
let entry: Entry;

beforeAll(() => {
  fs.writeFileSync(
    bundle,
    bundleEntry(path.join(__dirname, '..', '..', 'src', 'deployment', 'recorder', 'lambda.ts')),
  );
  Object.assign(process.env, {
    AWS_REGION: 'eu-central-1',
    [RECORDER_ENV.table]: 'tfpf-release-ledger',
    [RECORDER_ENV.pipelines]: JSON.stringify(['tfpf-dev', 'tfpf-staging']),
  });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  entry = require(bundle) as Entry;
});

afterAll(() => {
  process.env = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the bundle is small, keeps the AWS SDK external and carries no CDK', () => {
  const code = fs.readFileSync(bundle, 'utf8');
  expect(code.length).toBeLessThan(30 * 1024);
  expect(code).toContain('require("@aws-sdk/client-dynamodb")');
  expect(code).not.toContain('aws-cdk-lib');
});

test('a registered execution succeeding updates its deployment record and the last apply', async () => {
  const s = (value: string): { S: string } => ({ S: value });
  dynamodb.on(GetItemCommand).resolves({
    Item: {
      pk: s('execution#e-1'),
      kind: s('execution'),
      environment: s('staging'),
      scope: s('global'),
      team: s('risk'),
      executionId: s('e-1'),
      pipelineName: s('tfpf-staging'),
      stateKey: s('risk/staging-global/terraform.tfstate'),
      tag: s('staging_global/risk/2.1'),
      version: s('2.1'),
      commit: s('c'.repeat(40)),
      startedAt: { N: '1764583200000' },
    },
  });
  dynamodb.on(UpdateItemCommand).resolves({});
  await expect(
    entry.handler(executionEvent('tfpf-staging', 'e-1', 'SUCCEEDED', '2026-12-01T10:30:00Z')),
  ).resolves.toEqual({
    status: 'recorded',
    state: 'applied',
    key: 'deployment#staging#global#risk',
  });
  expect(dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input).toMatchObject({
    TableName: 'tfpf-release-ledger',
    Key: { pk: { S: 'execution#e-1' } },
  });
  const updates = dynamodb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
  expect(updates.map((u) => u.Key)).toEqual([
    { pk: { S: 'deployment#staging#global#risk' } },
    { pk: { S: `applied#staging#global#risk#${'c'.repeat(40)}` } },
    { pk: { S: 'deployment#staging#global#risk' } },
  ]);
  expect(updates[1]?.ExpressionAttributeValues?.[':appliedAt']).toEqual({
    N: String(Date.parse('2026-12-01T10:30:00Z')),
  });
  expect(updates[2]?.ExpressionAttributeValues?.[':appliedCommit']).toEqual({ S: 'c'.repeat(40) });
});
