/**
 * `tfpf doctor` against moto (STS, S3, DynamoDB, SNS, IAM roles) with aws-sdk-client-mock only for what moto does
 * not implement: Service Quotas for CodeBuild (moto serves only VPC quotas), CodeCommit GetBranch, and
 * iam:SimulatePrincipalPolicy.
 */
import { CodeCommitClient, GetBranchCommand } from '@aws-sdk/client-codecommit';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  GetRoleCommand,
  IAMClient,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ListAWSDefaultServiceQuotasCommand,
  ListServiceQuotasCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { doctorCommand } from '../../src/cli/commands/doctor';
import type { CliIo } from '../../src/cli/output';
import { QUOTA_NAMES, runDoctor, type DoctorClients } from '../../src/doctor';
import { WorkloadBootstrapStack } from '../../src/stacks';
import { modelWith, writeConfigDir } from '../support/config-files';
import { cdkJsonContext } from '../support/test-app';
import { useMotoServer } from '../support/moto';

const moto = useMotoServer({ resetBeforeEach: true });
const REGION = 'eu-central-1';
const ACCOUNT = '123456789012'; // moto's account: the dev team "research" deploys into the tooling account

const FILES = {
  'factory.yaml': [
    'repository: infra',
    'stateBucketPrefix: acme-tfstate',
    'globalRegion: us-east-1',
    'locking: dynamodb',
    'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
    '',
  ].join('\n'),
  'dev.yaml': [
    'environment: dev',
    'regions: [eu-central-1]',
    'teams:',
    `  research: { account: "${ACCOUNT}" }`,
    '  risk: { account: "222222222222" }',
    'approval: { required: true, notify: [platform@example.com] }',
    '',
  ].join('\n'),
  'qa.yaml': null,
  'staging.yaml': null,
  'prod.yaml': null,
};
const model = modelWith(FILES);

function quotas(values: Partial<Record<keyof typeof QUOTA_NAMES, number>>): ServiceQuotasClient {
  const client = new ServiceQuotasClient(moto.clientConfig(REGION));
  const mock = mockClient(client);
  mock.on(ListServiceQuotasCommand).resolves({
    Quotas: Object.entries(values).map(([size, value], i) => ({
      QuotaName: QUOTA_NAMES[size as keyof typeof QUOTA_NAMES],
      QuotaCode: `L-TEST${i}`,
      Value: value,
    })),
  });
  mock.on(ListAWSDefaultServiceQuotasCommand).resolves({ Quotas: [] });
  return client;
}

function codecommit(branch: 'exists' | 'no-repository'): CodeCommitClient {
  const client = new CodeCommitClient(moto.clientConfig(REGION));
  const mock = mockClient(client);
  if (branch === 'exists')
    mock.on(GetBranchCommand).resolves({ branch: { branchName: 'main', commitId: 'abc123' } });
  else {
    const error = new Error('infra does not exist');
    error.name = 'RepositoryDoesNotExistException';
    mock.on(GetBranchCommand).rejects(error);
  }
  return client;
}

/** IAM on moto, except SimulatePrincipalPolicy, which allows what the deployed identity policy allows. */
function iam(simulated: (input: SimulatePrincipalPolicyCommandInput) => boolean): IAMClient {
  const real = new IAMClient(moto.clientConfig(REGION));
  const client = new IAMClient(moto.clientConfig(REGION));
  const mock = mockClient(client);
  mock.on(GetRoleCommand).callsFake((input) => real.send(new GetRoleCommand(input)));
  mock.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => ({
    EvaluationResults: (input.ActionNames ?? []).map((a) => ({
      EvalActionName: a,
      EvalDecision: simulated(input) ? 'allowed' : 'implicitDeny',
    })),
  }));
  return client;
}

function clients(overrides: Partial<DoctorClients> = {}): DoctorClients {
  const config = moto.clientConfig(REGION);
  return {
    sts: new STSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamodb: new DynamoDBClient(config),
    sns: new SNSClient(config),
    iam: iam(() => true),
    codecommit: codecommit('exists'),
    quotas: quotas({ 'lambda-2gb': 10, 'lambda-4gb': 10, ec2: 10 }),
    ...overrides,
  };
}

/** The workload roles' trust exactly as the bootstrap stack deploys it. */
function deployedTrust(kind: 'plan' | 'apply'): string {
  const stack = new WorkloadBootstrapStack(new App({ context: cdkJsonContext() }), 'Bootstrap', {
    environment: 'dev',
    toolingAccount: ACCOUNT,
    env: { account: ACCOUNT, region: 'us-east-1' },
  });
  const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
  const role = Object.values(roles).find(
    (r) => (r.Properties as { RoleName: string }).RoleName === `tfpf-dev-${kind}`,
  );
  return JSON.stringify((role?.Properties as { AssumeRolePolicyDocument: unknown }).AssumeRolePolicyDocument);
}

async function deployEverything(): Promise<void> {
  const c = clients();
  await c.s3.send(
    new CreateBucketCommand({
      Bucket: 'acme-tfstate-dev',
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  await c.s3.send(
    new PutBucketVersioningCommand({
      Bucket: 'acme-tfstate-dev',
      VersioningConfiguration: { Status: 'Enabled' },
    }),
  );
  await c.dynamodb.send(
    new CreateTableCommand({
      TableName: 'acme-tfstate-lock-dev',
      KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const rawIam = new IAMClient(moto.clientConfig(REGION));
  const codebuildTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
  for (const kind of ['plan', 'apply'] as const) {
    await rawIam.send(
      new CreateRoleCommand({
        RoleName: `tfpf-dev-${kind}-project`,
        AssumeRolePolicyDocument: codebuildTrust,
      }),
    );
    await rawIam.send(
      new CreateRoleCommand({ RoleName: `tfpf-dev-${kind}`, AssumeRolePolicyDocument: deployedTrust(kind) }),
    );
  }
  const { TopicArn } = await c.sns.send(new CreateTopicCommand({ Name: 'tfpf-dev-approvals' }));
  await c.sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: `arn:aws:sqs:${REGION}:${ACCOUNT}:approvals`,
    }),
  );
}

function capture(): CliIo & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (t) => out_.push(t), err: (t) => err_.push(t) };
}

describe('tfpf doctor', () => {
  test('an empty account: every missing piece is a failing row with its fix, exit 1', async () => {
    const io = capture();
    const code = await doctorCommand({ config: writeConfigDir(FILES), region: REGION }, io, () =>
      clients({
        codecommit: codecommit('no-repository'),
        quotas: quotas({ 'lambda-2gb': 1, 'lambda-4gb': 0, ec2: 1 }),
      }),
    );
    const text = io.out_.join('\n');
    expect(code).toBe(1);
    for (const expected of [
      /FAIL\s+codebuild quota\s+lambda-2gb in eu-central-1\s+"Concurrently running builds for Linux Lambda\/2GB environment" is 1; a release runs 2 at once\s+aws service-quotas request-service-quota-increase --region eu-central-1 --service-code codebuild --quota-code L-TEST0 --desired-value 2/,
      /FAIL\s+codebuild quota\s+lambda-4gb in eu-central-1\s+.* is 0; a release runs 2 at once/,
      /ok\s+codebuild quota\s+ec2 in eu-central-1\s+.* is 1; a release runs 1 at once/,
      /FAIL\s+repository\s+infra \(main\)\s+repository infra does not exist\s+deploy the tooling stack \(npx cdk deploy tfpf-tooling\)/,
      /FAIL\s+state bucket\s+acme-tfstate-dev\s+.*deploy the tooling stack/,
      /FAIL\s+lock table\s+acme-tfstate-lock-dev\s+.*deploy the tooling stack/,
      /FAIL\s+plan project role\s+tfpf-dev-plan-project\s+does not exist\s+deploy the pipeline stack \(npx cdk deploy tfpf-pipeline-dev\)/,
      /FAIL\s+approval topic\s+tfpf-dev-approvals\s+topic does not exist\s+deploy the pipeline stack/,
    ]) {
      expect(text).toMatch(expected);
    }
    expect(text).toMatch(
      /ok\s+compute\s+eu-central-1\s+tflint lambda, checkov lambda, tfsec lambda, plan lambda, apply ec2/,
    );
  });

  test('a deployed factory passes; the workload account it cannot see is reported unchecked, exit 0', async () => {
    await deployEverything();
    const result = await runDoctor(model, REGION, clients());
    const failed = result.rows.filter((r) => r.status === 'fail');
    expect(failed).toEqual([]);
    expect(result.ok).toBe(true);
    const byKey = Object.fromEntries(result.rows.map((r) => [`${r.check}|${r.subject}`, r]));
    // the trust deployed by the bootstrap stack is accepted (same account: visible)
    expect(byKey[`plan role|tfpf-dev-plan in ${ACCOUNT}`].status).toBe('pass');
    expect(byKey[`apply role|tfpf-dev-apply in ${ACCOUNT}`].detail).toContain('tfpf.dev_*');
    expect(byKey['plan role|tfpf-dev-plan in 222222222222']).toMatchObject({
      status: 'unchecked',
      fix: expect.stringContaining('npx cdk deploy tfpf-bootstrap-dev-222222222222'),
    });
    expect(byKey['approval topic|tfpf-dev-approvals'].status).toBe('pass');
  });

  test('a workload role trusting the project role without requiring the source identity fails', async () => {
    // Mutation caught: a bootstrap stack of an older version (no sts:SourceIdentity condition) passing the check.
    await deployEverything();
    const rawIam = new IAMClient(moto.clientConfig(REGION));
    const trust = JSON.parse(deployedTrust('plan')) as { Statement: Record<string, unknown>[] };
    delete trust.Statement[0].Condition;
    await rawIam.send(new DeleteRoleCommand({ RoleName: 'tfpf-dev-plan' }));
    await rawIam.send(
      new CreateRoleCommand({ RoleName: 'tfpf-dev-plan', AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    const result = await runDoctor(model, REGION, clients());
    expect(result.ok).toBe(false);
    expect(result.rows.find((r) => r.subject === `tfpf-dev-plan in ${ACCOUNT}`)).toMatchObject({
      status: 'fail',
      detail: 'does not trust tfpf-dev-plan-project with a tfpf.dev_* source identity',
    });
  });

  test('a project role whose policy cannot assume the workload role (simulated) fails with the fix', async () => {
    await deployEverything();
    const result = await runDoctor(
      model,
      REGION,
      clients({ iam: iam((input) => !input.PolicySourceArn?.endsWith('apply-project')) }),
    );
    expect(result.rows.filter((r) => r.status === 'fail').map((r) => r.subject)).toEqual([
      `tfpf-dev-apply in ${ACCOUNT}`,
      'tfpf-dev-apply in 222222222222',
    ]);
  });

  test('SimulatePrincipalPolicy is asked about the exact workload role ARN with a release source identity', async () => {
    await deployEverything();
    const seen: SimulatePrincipalPolicyCommandInput[] = [];
    await runDoctor(model, REGION, clients({ iam: iam((input) => (seen.push(input), true)) }));
    expect(seen[0]).toEqual({
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/tfpf-dev-plan-project`,
      ActionNames: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      ResourceArns: [`arn:aws:iam::${ACCOUNT}:role/tfpf-dev-plan`],
      ContextEntries: [
        {
          ContextKeyName: 'sts:SourceIdentity',
          ContextKeyType: 'string',
          ContextKeyValues: ['tfpf.dev_eu-central-1@research@0.0.0'],
        },
      ],
    });
  });

  test('an approval subscription still pending confirmation fails (aws-sdk-client-mock: moto confirms at once)', async () => {
    await deployEverything();
    const sns = new SNSClient(moto.clientConfig(REGION));
    mockClient(sns)
      .on(ListSubscriptionsByTopicCommand)
      .resolves({
        Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Endpoint: 'platform@example.com' }],
      });
    const result = await runDoctor(model, REGION, clients({ sns }));
    expect(result.rows.find((r) => r.check === 'approval topic')).toMatchObject({
      status: 'fail',
      detail: '1 subscription(s) not confirmed: platform@example.com',
    });
  });

  test('no region: exit 2 with the reason', async () => {
    const io = capture();
    const saved = { ...process.env };
    delete process.env.CDK_DEFAULT_REGION;
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(await doctorCommand({ config: writeConfigDir(FILES) }, io, () => clients())).toBe(2);
    } finally {
      process.env = saved;
    }
    expect(io.err_.join('')).toContain('doctor needs the tooling region');
  });
});
