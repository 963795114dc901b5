import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { toCdkEventPattern } from '../../src/trigger/release-trigger';
import {
  keyPolicies,
  keyPolicyProblems,
  keyStatement,
  resolved,
  widened,
  type KeyStatement,
} from '../support/key-policy';
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

/** Statements that allow a wildcard resource (`"*"` alone or in a list) or an action with `*`. */
function wildcardGrants(statements: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  return statements.filter(
    (s) =>
      list(s.Resource).some((r) => r === '*') ||
      list(s.Action).some((a) => typeof a === 'string' && a.includes('*')),
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

  // Catches: `Resource: "*"` and `Resource: ["*"]` (the old check compared the JSON text with "*" only).
  test('no statement of the handler role grants a wildcard resource or action', () => {
    expect(wildcardGrants(policyStatements())).toEqual([]);
  });

  test('NEGATIVE: the wildcard guard catches "*", ["*"], an ARN list with "*" and a wildcard action', () => {
    const base = { Effect: 'Allow', Action: 'sns:Publish' };
    expect(wildcardGrants([{ ...base, Resource: '*' }])).toHaveLength(1);
    expect(wildcardGrants([{ ...base, Resource: ['*'] }])).toHaveLength(1);
    expect(
      wildcardGrants([{ ...base, Resource: ['arn:aws:sns:eu-central-1:123456789012:t', '*'] }]),
    ).toHaveLength(1);
    expect(
      wildcardGrants([{ ...base, Action: ['sns:*'], Resource: 'arn:aws:sns:eu-central-1:123456789012:t' }]),
    ).toHaveLength(1);
    expect(wildcardGrants([{ ...base, Resource: 'arn:aws:sns:eu-central-1:123456789012:t' }])).toEqual([]);
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
});

describe('key policy: exact conditions (account 123456789012, region eu-central-1, rule names)', () => {
  const KEY_STATEMENTS: Record<string, KeyStatement> = {
    ReleaseTriggerDeadLetters: {
      Sid: 'ReleaseTriggerDeadLetters',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        ArnEquals: {
          'aws:SourceArn': [
            'arn:aws:events:eu-central-1:123456789012:rule/tfpf-release-tag-created',
            'arn:aws:events:eu-central-1:123456789012:rule/tfpf-release-tag-moved',
          ],
        },
      },
    },
    ReleaseTriggerLogs: {
      Sid: 'ReleaseTriggerLogs',
      Effect: 'Allow',
      Principal: { Service: 'logs.eu-central-1.amazonaws.com' },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-central-1:123456789012:log-group:*',
        },
      },
    },
    CloudWatchAlarms: {
      Sid: 'CloudWatchAlarms',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    },
  };

  // Catches: widening the events statement to rule/* (of this or any account), dropping a condition, another
  // account or region in any of them.
  test.each(Object.keys(KEY_STATEMENTS))('%s is exactly as expected', (sid) => {
    expect(resolved(keyStatement(template, sid))).toEqual(KEY_STATEMENTS[sid]);
  });

  test('the rules that may use the key are the release rules, by name', () => {
    const names = Object.values(template.findResources('AWS::Events::Rule')).map(
      (r) => (r as { Properties: { Name: string } }).Properties.Name,
    );
    expect(names.sort()).toEqual(['tfpf-release-tag-created', 'tfpf-release-tag-moved']);
  });

  test('the key has no other statement (the account root, and the three above)', () => {
    const [statements, ...others] = Object.values(keyPolicies(template));
    expect(others).toHaveLength(0);
    expect(statements!.map((s) => s.Sid ?? 'root').sort()).toEqual([
      'CloudWatchAlarms',
      'ReleaseTriggerDeadLetters',
      'ReleaseTriggerLogs',
      'root',
    ]);
    expect(keyPolicyProblems(statements!, { account: '123456789012', region: 'eu-central-1' })).toEqual([]);
  });

  // The negative case of each statement: the confinement check refuses every widened copy.
  test.each(Object.keys(KEY_STATEMENTS))('NEGATIVE: every widening of %s is refused', (sid) => {
    const variants = widened(resolved(keyStatement(template, sid)) as KeyStatement);
    expect(variants.length).toBeGreaterThanOrEqual(4);
    for (const { how, statement: variant } of variants) {
      expect({
        how,
        problems: keyPolicyProblems([variant], { account: '123456789012', region: 'eu-central-1' }),
      }).toEqual({ how, problems: expect.arrayContaining([expect.any(String)]) });
      expect(resolved(variant)).not.toEqual(KEY_STATEMENTS[sid]);
    }
  });

  test('NEGATIVE: the events statement of any rule of the account (rule/*) is not the exact one', () => {
    const anyRule = structuredClone(KEY_STATEMENTS.ReleaseTriggerDeadLetters!) as Record<string, unknown>;
    anyRule.Condition = {
      ArnLike: { 'aws:SourceArn': 'arn:aws:events:eu-central-1:123456789012:rule/*' },
    };
    expect(resolved(keyStatement(template, 'ReleaseTriggerDeadLetters'))).not.toEqual(anyRule);
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
