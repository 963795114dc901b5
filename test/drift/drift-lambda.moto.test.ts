import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { buildSync } from 'esbuild';
import { DRIFT_ENV } from '../../src/drift/drift-environment';
import { CONFIG_DEFINE } from '../../src/trigger/handler-environment';
import { toTriggerConfig } from '../../src/trigger/trigger-config';
import { MOTO_CREDENTIALS } from '../../src/local/moto-server';
import { tempDir } from '../runner/harness';
import { modelWith } from '../support/config-files';
import { useMotoServer } from '../support/moto';

// The drift functions as deployed: bundled by esbuild with the config defined at build time (here with the SDK
// inside the bundle, so it loads from a temp folder), invoked with the construct's environment against moto.

const moto = useMotoServer({ resetBeforeEach: true });
const dir = tempDir('tfpf-drift-bundle-');
const bundle = path.join(dir, 'index.js');
const saved = { ...process.env };
type Entry = {
  listHandler: (
    event: unknown,
  ) => Promise<{ targets: { tag: string; commit: string }[]; skipped: unknown[] }>;
  recordHandler: (event: unknown) => Promise<{ status: string }>;
};
let entry: Entry;
const COMMIT = 'd'.repeat(40);

beforeAll(() => {
  buildSync({
    entryPoints: [path.join(__dirname, '..', '..', 'src', 'drift', 'lambda.ts')],
    outfile: bundle,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    define: { [CONFIG_DEFINE]: JSON.stringify(JSON.stringify(toTriggerConfig(modelWith()))) },
  });
});

afterAll(() => {
  process.env = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('list, then record a drifted build, through the bundled handlers', async () => {
  const cfg = moto.clientConfig();
  const dynamodb = new DynamoDBClient(cfg);
  await dynamodb.send(
    new CreateTableCommand({
      TableName: 'ledger',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const { TopicArn } = await new SNSClient(cfg).send(new CreateTopicCommand({ Name: 'tfpf-failures' }));
  await dynamodb.send(
    new PutItemCommand({
      TableName: 'ledger',
      Item: {
        pk: { S: 'deployment#dev#us-east-1#risk' },
        kind: { S: 'deployment' },
        appliedTag: { S: 'dev_us-east-1/risk/3.1.0' },
        appliedVersion: { S: '3.1.0' },
        appliedCommit: { S: COMMIT },
      },
    }),
  );
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: cfg.endpoint,
    AWS_REGION: cfg.region,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    [DRIFT_ENV.table]: 'ledger',
    [DRIFT_ENV.topicArn]: TopicArn,
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is CommonJS, loaded as Lambda does
  entry = require(bundle) as Entry;

  const listed = await entry.listHandler({ environment: 'dev' });
  expect(listed.skipped).toEqual([]);
  expect(listed.targets).toEqual([
    {
      environment: 'dev',
      scope: 'us-east-1',
      team: 'risk',
      stateKey: 'risk/dev-us-east-1/terraform.tfstate',
      tag: 'dev_us-east-1/risk/3.1.0',
      version: '3.1.0',
      commit: COMMIT,
      targetRegion: 'us-east-1',
      account: '222222222222',
    },
  ]);
  await expect(entry.listHandler({ environment: 'nope' })).rejects.toThrow(
    'tfpf drift: "nope" is not a configured environment',
  );

  const outcome = await entry.recordHandler({
    target: listed.targets[0],
    result: {
      Build: {
        Id: 'tfpf-dev-drift:33333333-3333-4333-8333-333333333333',
        BuildStatus: 'SUCCEEDED',
        ExportedEnvironmentVariables: [
          { Name: 'DRIFT_STATUS', Value: 'drifted' },
          { Name: 'DRIFT_ADD', Value: '0' },
          { Name: 'DRIFT_CHANGE', Value: '1' },
          { Name: 'DRIFT_DESTROY', Value: '0' },
        ],
      },
    },
  });
  expect(outcome.status).toBe('drifted');
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'drift#dev#us-east-1#risk' } } }),
  );
  expect(Item?.drifted).toEqual({ BOOL: true });
  expect(Item?.change).toEqual({ N: '1' });
  expect(Item?.tag).toEqual({ S: 'dev_us-east-1/risk/3.1.0' });
});
