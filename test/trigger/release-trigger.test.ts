import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { toCdkEventPattern } from '../../src/trigger/release-trigger';
import { triggerStack, type TriggerStack } from './test-stack';

/** One synthesis for the file (bundling the handler takes a few seconds). */
let given: TriggerStack;
let template: Template;

beforeAll(() => {
  given = triggerStack();
  Validations.of(given.stack).addPlugins(new AwsSolutionsChecks(given.stack));
  template = Template.fromStack(given.stack); // throws when cdk-nag reports an unacknowledged finding
});

function policyStatements(): Record<string, unknown>[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

function statement(sid: string): Record<string, unknown> {
  const found = policyStatements().find((s) => s.Sid === sid);
  if (found === undefined) throw new Error(`no statement ${sid}`);
  return found;
}

const repoArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Repo'), 'Arn'] };

describe('rules', () => {
  test('tag created: CodeCommit tag events of the infra repository named <env>_…, one prefix per environment', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.codecommit'],
        'detail-type': ['CodeCommit Repository State Change'],
        resources: [repoArn],
        detail: {
          event: ['referenceCreated'],
          referenceType: ['tag'],
          referenceName: [{ prefix: 'dev_' }, { prefix: 'prod_' }, { prefix: 'qa_' }, { prefix: 'staging_' }],
        },
      },
    });
  });

  test('tag moved: referenceUpdated goes to the handler too (to be refused); deleted tags are not matched', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ event: ['referenceUpdated'] }) }),
    });
    const patterns = Object.values(template.findResources('AWS::Events::Rule')).map((r) =>
      JSON.stringify((r as { Properties: { EventPattern: unknown } }).Properties.EventPattern),
    );
    expect(patterns).toHaveLength(2);
    for (const p of patterns) expect(p).not.toContain('referenceDeleted');
  });

  test('each rule targets the handler with a retry policy and the dead-letter queue', () => {
    const fn = new Capture();
    template.allResourcesProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
        }),
      ],
    });
    expect(fn.asString()).toMatch(/Handler/);
  });
});

describe('handler function', () => {
  test('current Node runtime, explicit log group, bounded timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Timeout: 30,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('LogGroup') } },
      Environment: {
        Variables: Match.objectLike({
          TFPF_RELEASE_TABLE: { Ref: Match.stringLikeRegexp('ReleaseLedger') },
          TFPF_FAILURE_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^Failures') },
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
  });

  test('failed asynchronous invocations retry twice, then go to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
      },
    });
  });

  test('the validated config is bundled into the code (not read at runtime), without approval recipients', () => {
    const assembly = given.stack.node.root as unknown as { outdir: string };
    const bundles = fs
      .readdirSync(assembly.outdir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => path.join(assembly.outdir, d, 'index.js'))
      .filter((f) => fs.existsSync(f));
    expect(bundles).toHaveLength(1);
    const code = fs.readFileSync(bundles[0]!, 'utf8');
    expect(code).toContain('"pipelineNamePrefix":"tfpf"');
    expect(code).toContain('"mainBranch":"main"');
    expect(code).toContain('"environment":"staging"');
    expect(code).not.toContain('platform@example.com');
    expect(code).toContain('require("@aws-sdk/client-codepipeline")'); // the SDK stays external
    expect(fs.statSync(bundles[0]!).size).toBeLessThan(100 * 1024);
  });
});

describe('least privilege', () => {
  test('starts only the factory pipelines', () => {
    expect(statement('StartFactoryPipelines')).toEqual({
      Sid: 'StartFactoryPipelines',
      Effect: 'Allow',
      Action: 'codepipeline:StartPipelineExecution',
      Resource: ['dev', 'prod', 'qa', 'staging'].map((env) => ({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, `:codepipeline:eu-central-1:123456789012:tfpf-${env}`],
        ],
      })),
    });
  });

  test('reads only the infra repository', () => {
    expect(statement('ReadInfraRepository')).toMatchObject({
      Action: [
        'codecommit:GetCommit',
        'codecommit:GetBranch',
        'codecommit:GetMergeOptions',
        'codecommit:BatchGetCommits',
      ],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Arn'] },
    });
  });

  test('publishes only to the failure topic, puts only tfpf events on the default bus', () => {
    expect(statement('NotifyFailures')).toMatchObject({
      Action: 'sns:Publish',
      Resource: { Ref: expect.stringMatching(/^Failures/) },
    });
    expect(statement('PutReleaseEvents')).toMatchObject({
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'events:source': 'tfpf' } },
      Resource: {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-central-1:123456789012:event-bus/default'],
        ],
      },
    });
  });

  test('uses the factory key only through SNS, SQS and DynamoDB, with exact actions', () => {
    expect(statement('UseFactoryKey')).toMatchObject({
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
      Condition: {
        StringEquals: {
          'kms:ViaService': [
            'sns.eu-central-1.amazonaws.com',
            'sqs.eu-central-1.amazonaws.com',
            'dynamodb.eu-central-1.amazonaws.com',
          ],
        },
      },
    });
  });

  test('no statement of the handler role grants a wildcard resource or action', () => {
    for (const s of policyStatements()) {
      expect(JSON.stringify(s.Resource)).not.toBe('"*"');
      expect(JSON.stringify(s.Action)).not.toContain('*');
    }
  });

  test('the role has no managed policies (logs are granted on its own log group only)', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
  });
});

describe('dead-letter queue, ledger and key', () => {
  test('the dead-letter queue is KMS-encrypted with the factory key and refuses non-TLS access', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('a message in the dead-letter queue raises an alarm on the failure topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Failures') }],
    });
  });

  test('the release ledger is encrypted with the factory key and expires records', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('EventBridge may use the key only for rules of this account and region (DLQ delivery)', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReleaseTriggerDeadLetters',
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });
});

describe('validation', () => {
  test('invalid props are refused together, each named', () => {
    expect(() => triggerStack({ ledgerRetentionDays: 0, reservedConcurrentExecutions: 1.5 })).toThrow(
      /ledgerRetentionDays must be a whole number >= 1; found 0; reservedConcurrentExecutions must be/,
    );
  });

  test('a rule file with a field the CDK cannot express is refused', () => {
    expect(() => toCdkEventPattern({ 'detail-typo': ['x'] }, 'rules/x.json')).toThrow(
      /rules\/x.json: top-level key "detail-typo"/,
    );
  });
});
