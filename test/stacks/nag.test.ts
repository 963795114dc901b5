import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { loadConfig } from '../../src/config';
import { modelWith, writeConfigDir } from '../support/config-files';
import { buildTestApp, TEST_ENV } from '../support/test-app';

const DYNAMODB_FACTORY = [
  'repository: infra',
  'stateBucketPrefix: acme-tfstate',
  'globalRegion: us-east-1',
  'locking: dynamodb',
  'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
  '',
].join('\n');

function synthError(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Every acknowledgment recorded in the construct tree. */
function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const node of root.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: node.node.path, id, reason });
      }
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions over the whole app', () => {
  test('default config with bootstrap stacks: no unacknowledged finding', () => {
    const testApp = buildTestApp(modelWith(), { nag: true, bootstrap: { toolingAccount: TEST_ENV.account } });
    expect(synthError(() => testApp.app.synth())).toBeUndefined();
  });

  test('DynamoDB locking, EC2 scanners and a narrowed apply role: no unacknowledged finding', () => {
    const testApp = buildTestApp(modelWith({ 'factory.yaml': DYNAMODB_FACTORY }), {
      nag: true,
      scannerCompute: 'ec2',
      bootstrap: {
        toolingAccount: TEST_ENV.account,
        applyPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
        permissionsBoundaryArn: 'arn:aws:iam::111111111111:policy/boundary',
      },
    });
    expect(synthError(() => testApp.app.synth())).toBeUndefined();
  });

  test('with the shipped tools lock (tools bundle bucket, builder, deploy trigger): no unacknowledged finding', () => {
    const testApp = buildTestApp(loadConfig(writeConfigDir()), { nag: true });
    expect(testApp.tooling.toolsBundle).toBeDefined();
    expect(synthError(() => testApp.app.synth())).toBeUndefined();
  });

  test('the gate can fail: an unencrypted, unlogged bucket stops synthesis', () => {
    const testApp = buildTestApp(modelWith(), { nag: true });
    new s3.Bucket(testApp.environments.dev, 'Careless');
    const message = synthError(() => testApp.app.synth());
    expect(message).toMatch(/Careless[\s\S]*AwsSolutions-S1'/);
  });

  test('every acknowledgment names a rule and carries a written reason', () => {
    const testApp = buildTestApp(modelWith(), { nag: true, bootstrap: { toolingAccount: TEST_ENV.account } });
    const acks = acknowledgments(testApp.app);
    expect(acks.length).toBeGreaterThan(10);
    for (const ack of acks) {
      expect(ack.id).toMatch(/^(AwsSolutions|Annotation)::AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.trim().length).toBeGreaterThanOrEqual(40);
    }
    // nothing is acknowledged wholesale at the stack or app level
    for (const ack of acks) expect(ack.path.split('/').length).toBeGreaterThan(1);
  });
});
