import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { modelWith } from '../support/config-files';
import { keyPolicies, keyPolicyProblems, resolved, widened, type KeyStatement } from '../support/key-policy';
import { buildTestApp, TEST_ENV } from '../support/test-app';

const ENVS = ['dev', 'qa', 'staging', 'prod'];

interface ResourceJson {
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

function resourcesOfType(template: Template, type: string): Record<string, ResourceJson> {
  return template.findResources(type) as Record<string, ResourceJson>;
}

function stateBucket(template: Template, env: string): [string, ResourceJson] {
  const found = Object.entries(resourcesOfType(template, 'AWS::S3::Bucket')).filter(
    ([, r]) => r.Properties.BucketName === `acme-tfstate-${env}`,
  );
  expect(found).toHaveLength(1);
  return found[0];
}

describe('tooling stack: Terraform state (default config, S3 lockfile)', () => {
  const testApp = buildTestApp(modelWith());
  const template = testApp.template(testApp.tooling);

  test.each(ENVS)(
    'state bucket acme-tfstate-%s: versioned, KMS with its own retained key, no public access',
    (env) => {
      const [, bucket] = stateBucket(template, env);
      const props = bucket.Properties;
      expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(props.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const sse = (props.BucketEncryption as { ServerSideEncryptionConfiguration: Record<string, unknown>[] })
        .ServerSideEncryptionConfiguration[0] as {
        ServerSideEncryptionByDefault: {
          SSEAlgorithm: string;
          KMSMasterKeyID: { 'Fn::GetAtt': [string, string] };
        };
        BucketKeyEnabled: boolean;
      };
      expect(sse.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
      expect(sse.BucketKeyEnabled).toBe(true);
      const keyId = sse.ServerSideEncryptionByDefault.KMSMasterKeyID['Fn::GetAtt'][0];
      const key = resourcesOfType(template, 'AWS::KMS::Key')[keyId];
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
      expect(key.UpdateReplacePolicy).toBe('Retain');
      template.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: `alias/acme-tfstate-${env}-state`,
        TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    },
  );

  test.each(ENVS)(
    'state bucket acme-tfstate-%s and its key are retained when the stack or environment goes',
    (env) => {
      const [, bucket] = stateBucket(template, env);
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.UpdateReplacePolicy).toBe('Retain');
    },
  );

  test.each(ENVS)('state bucket acme-tfstate-%s refuses plain HTTP and TLS < 1.2', (env) => {
    const [id] = stateBucket(template, env);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      },
    });
  });

  test.each(ENVS)('state bucket acme-tfstate-%s logs access to the access-log bucket', (env) => {
    const [, bucket] = stateBucket(template, env);
    const logs = bucket.Properties.LoggingConfiguration as {
      DestinationBucketName: { Ref: string };
      LogFilePrefix: string;
    };
    expect(logs.LogFilePrefix).toBe(`state/acme-tfstate-${env}/`);
    const target = resourcesOfType(template, 'AWS::S3::Bucket')[logs.DestinationBucketName.Ref];
    expect(target.DeletionPolicy).toBe('Retain');
    expect(target.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  test('no lock table with the S3 lockfile', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1); // the release trigger's ledger only
    const tables = JSON.stringify(template.findResources('AWS::DynamoDB::Table'));
    expect(tables).not.toContain('LockID');
  });

  test('stateBuckets exposes one bucket per environment', () => {
    expect(Object.keys(testApp.tooling.stateBuckets).sort()).toEqual([...ENVS].sort());
  });
});

describe('tooling stack: DynamoDB locking', () => {
  const model = modelWith({
    'factory.yaml': [
      'repository: infra',
      'stateBucketPrefix: acme-tfstate',
      'globalRegion: us-east-1',
      'locking: dynamodb',
      'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
      '',
    ].join('\n'),
  });
  const testApp = buildTestApp(model);
  const template = testApp.template(testApp.tooling);

  test.each(ENVS)(
    'lock table acme-tfstate-lock-%s: LockID hash key, PITR, KMS state key, retained',
    (env) => {
      const found = Object.values(resourcesOfType(template, 'AWS::DynamoDB::Table')).filter(
        (t) => t.Properties.TableName === `acme-tfstate-lock-${env}`,
      );
      expect(found).toHaveLength(1);
      const table = found[0];
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      });
      const [, bucket] = stateBucket(template, env);
      const bucketKey = (
        bucket.Properties.BucketEncryption as {
          ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { KMSMasterKeyID: unknown } }[];
        }
      ).ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID;
      expect((table.Properties.SSESpecification as { KMSMasterKeyId: unknown }).KMSMasterKeyId).toEqual(
        bucketKey,
      );
    },
  );

  test("the projects of an environment may use only that environment's lock table", () => {
    const policies = JSON.stringify(
      testApp.template(testApp.environments.qa).findResources('AWS::IAM::Policy'),
    );
    expect(policies).toContain(
      `arn:aws:dynamodb:${TEST_ENV.region}:${TEST_ENV.account}:table/acme-tfstate-lock-qa`,
    );
    expect(policies).not.toContain('acme-tfstate-lock-dev');
  });
});

describe('tooling stack: repository, key, topics', () => {
  const testApp = buildTestApp(modelWith());
  const template = testApp.template(testApp.tooling);

  test('creates the infra repository and keeps it when the stack is deleted', () => {
    template.hasResource('AWS::CodeCommit::Repository', {
      Properties: { RepositoryName: 'infra' },
      DeletionPolicy: 'Retain',
    });
  });

  test('imports the repository with importExisting: true', () => {
    const model = modelWith({
      'factory.yaml': [
        'repository: platform-infra',
        'importExisting: true',
        'stateBucketPrefix: acme-tfstate',
        'globalRegion: us-east-1',
        'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
        '',
      ].join('\n'),
    });
    const app = buildTestApp(model);
    app.template(app.tooling).resourceCountIs('AWS::CodeCommit::Repository', 0);
    expect(app.tooling.repository.repositoryName).toBe('platform-infra');
  });

  test('the failure topic is KMS-encrypted with the factory key (rotation on) and TLS-only', () => {
    const key = new Capture();
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'tfpf-failures',
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/tfpf-factory',
      TargetKeyId: { 'Fn::GetAtt': [key.asString(), 'Arn'] },
    });
    expect(resourcesOfType(template, 'AWS::KMS::Key')[key.asString()].Properties.EnableKeyRotation).toBe(
      true,
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('the release trigger and the failure notifier are wired to the failure topic', () => {
    expect(testApp.tooling.releaseTrigger.node.scope).toBe(testApp.tooling);
    const topic = testApp.tooling.resolve(testApp.tooling.failureTopic.topicArn) as unknown;
    const env = template.findResources('AWS::Lambda::Function');
    const withTopic = Object.values(env).filter((f) => JSON.stringify(f).includes(JSON.stringify(topic)));
    expect(withTopic.length).toBe(2);
  });

  test('every dead-letter queue of the stack raises an alarm on the failure topic at its first message', () => {
    // Mutation caught: a function (the deployment recorder, the failure notifier) whose failed events pile up
    // unseen in its queue; an alarm on another queue, or on another topic.
    const queues = Object.keys(template.findResources('AWS::SQS::Queue')).sort();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as { Properties: Record<string, unknown> }).Properties,
    );
    const topic = testApp.tooling.resolve(testApp.tooling.failureTopic.topicArn) as unknown;
    expect(queues).toHaveLength(3);
    expect(
      alarms
        .map(
          (a) => (a.Dimensions as { Value: { 'Fn::GetAtt': [string, string] } }[])[0]!.Value['Fn::GetAtt'][0],
        )
        .sort(),
    ).toEqual(queues);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
      });
    }
    const descriptions = alarms.map((a) => a.AlarmDescription as string).sort();
    expect(descriptions).toEqual([
      'tfpf: a failed pipeline execution could not be reported (see the failure notifier dead-letter queue)',
      'tfpf: a pipeline event could not be recorded (see the deployment recorder dead-letter queue): tfpf status and the promotion gate may miss that execution',
      'tfpf: a release tag event could not be processed (see the release trigger dead-letter queue)',
    ]);
  });

  test('the failure notifier rule is named, so only it may write into its encrypted dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'tfpf-release-failures',
      EventPattern: Match.objectLike({ detail: Match.objectLike({ state: ['FAILED'] }) }),
    });
  });

  test('the pipeline stacks depend on the tooling stack but import nothing from it', () => {
    for (const env of ENVS) {
      const stack = testApp.environments[env];
      expect(stack.dependencies).toContain(testApp.tooling);
      expect(JSON.stringify(testApp.template(stack).toJSON())).not.toContain('Fn::ImportValue');
    }
    expect(template.toJSON().Outputs ?? {}).toEqual({});
  });
});

describe('tooling stack: key policies (exact; the negative case of each statement)', () => {
  const testApp = buildTestApp(modelWith());
  const template = testApp.template(testApp.tooling);
  const { account, region } = TEST_ENV;
  const ROOT: KeyStatement = {
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:*',
    Resource: '*',
  };
  const logs = (sid: string): KeyStatement => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: `logs.${region}.amazonaws.com` },
    Action: ['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
    Resource: '*',
    Condition: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${account}:log-group:*` },
    },
  });
  const FACTORY_KEY: KeyStatement[] = [
    ROOT,
    logs('ReleaseTriggerLogs'),
    {
      Sid: 'ReleaseTriggerDeadLetters',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        ArnEquals: {
          'aws:SourceArn': [
            `arn:aws:events:${region}:${account}:rule/tfpf-release-tag-created`,
            `arn:aws:events:${region}:${account}:rule/tfpf-release-tag-moved`,
          ],
        },
      },
    },
    {
      Sid: 'CloudWatchAlarms',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': account } },
    },
    {
      Sid: 'FailureNotifierDeadLetters',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        ArnEquals: { 'aws:SourceArn': [`arn:aws:events:${region}:${account}:rule/tfpf-release-failures`] },
      },
    },
    logs('FailureNotifierLogs'),
    {
      Sid: 'DeploymentRecorderDeadLetters',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        ArnEquals: {
          'aws:SourceArn': [
            `arn:aws:events:${region}:${account}:rule/tfpf-deployment-executions`,
            `arn:aws:events:${region}:${account}:rule/tfpf-deployment-approvals`,
          ],
        },
      },
    },
    logs('DeploymentRecorderLogs'),
  ];

  function keyByAlias(alias: string): string {
    const found = Object.values(resourcesOfType(template, 'AWS::KMS::Alias')).find(
      (a) => a.Properties.AliasName === alias,
    );
    return (found!.Properties.TargetKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  }

  // Catches: any widened condition (rule/* of any account, another account or region, a removed condition), an
  // extra statement, or a statement for another principal on the factory key.
  test('the factory key: the account root, and the services of this account and region, exactly', () => {
    expect(resolved(keyPolicies(template)[keyByAlias('alias/tfpf-factory')])).toEqual(FACTORY_KEY);
  });

  test.each(ENVS)('the state key of %s has only the account root statement', (env) => {
    expect(resolved(keyPolicies(template)[keyByAlias(`alias/acme-tfstate-${env}-state`)])).toEqual([ROOT]);
  });

  test('every key of the stack: each statement confined to this account (and region)', () => {
    const keys = keyPolicies(template);
    expect(Object.keys(keys)).toHaveLength(1 + ENVS.length);
    for (const [id, statements] of Object.entries(keys)) {
      expect({ id, problems: keyPolicyProblems(statements, TEST_ENV) }).toEqual({ id, problems: [] });
    }
  });

  test.each(FACTORY_KEY.filter((s) => s.Sid !== undefined).map((s) => s.Sid!))(
    'NEGATIVE: every widening of %s is refused by the confinement check',
    (sid) => {
      const statement = FACTORY_KEY.find((s) => s.Sid === sid)!;
      for (const { how, statement: variant } of widened(statement)) {
        expect({ how, refused: keyPolicyProblems([variant], TEST_ENV).length > 0 }).toEqual({
          how,
          refused: true,
        });
      }
    },
  );

  test('NEGATIVE: another account as principal of a key is refused', () => {
    expect(
      keyPolicyProblems([{ ...ROOT, Principal: { AWS: 'arn:aws:iam::999999999999:root' } }], TEST_ENV),
    ).toEqual(["statement 0: AWS principal arn:aws:iam::999999999999:root is not this account's root"]);
  });
});
