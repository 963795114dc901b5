import { Match } from 'aws-cdk-lib/assertions';
import {
  approvalMessage,
  CUSTOM_DATA_LIMIT,
  worstCaseResolvedLength,
} from '../../src/pipeline/approval-message';
import { modelWith } from '../support/config-files';
import { buildTestApp, TEST_ENV } from '../support/test-app';

describe('deployment recorder (tooling stack)', () => {
  // GIVEN the shipped configuration
  const testApp = buildTestApp(modelWith());
  const tooling = testApp.tooling;
  const template = testApp.template(tooling);
  const recorder = tooling.deploymentRecorder;
  const pipelines = ['tfpf-dev', 'tfpf-prod', 'tfpf-qa', 'tfpf-staging'];
  const functionArn = tooling.resolve(recorder.handler.functionArn) as unknown;
  const target = Match.objectLike({
    Arn: functionArn,
    RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
    DeadLetterConfig: { Arn: tooling.resolve(recorder.deadLetterQueue.queueArn) },
  });

  test('the ledger table is named from the pipeline prefix', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'tfpf-release-ledger',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
  });

  test('execution rule: exactly the factory pipelines, the states that change a record', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'tfpf-deployment-executions',
      EventPattern: {
        source: ['aws.codepipeline'],
        'detail-type': ['CodePipeline Pipeline Execution State Change'],
        detail: {
          pipeline: pipelines,
          state: ['STARTED', 'RESUMED', 'SUCCEEDED', 'FAILED', 'STOPPED', 'CANCELED', 'SUPERSEDED'],
        },
      },
      Targets: [target],
    });
  });

  test('approval rule: only approval actions of exactly the factory pipelines', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'tfpf-deployment-approvals',
      EventPattern: {
        source: ['aws.codepipeline'],
        'detail-type': ['CodePipeline Action Execution State Change'],
        detail: {
          pipeline: pipelines,
          type: { category: ['Approval'] },
          state: ['STARTED', 'SUCCEEDED', 'FAILED'],
        },
      },
      Targets: [target],
    });
  });

  test('the function gets the table and the pipeline names, and a dead-letter queue', () => {
    const found = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('deployment recorder') },
    });
    const [fn] = Object.values(found) as { Properties: Record<string, unknown> }[];
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: {
        Variables: {
          TFPF_RELEASE_TABLE: tooling.resolve(tooling.releaseTrigger.releaseTable.tableName),
          TFPF_PIPELINES: JSON.stringify(pipelines),
        },
      },
      DeadLetterConfig: { TargetArn: tooling.resolve(recorder.deadLetterQueue.queueArn) },
    });
  });

  test('IAM: get and update on the ledger table only, its own logs, the key only through DynamoDB and SQS', () => {
    const role = tooling.resolve(recorder.role.roleName) as { Ref: string };
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [role] } });
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
          .PolicyDocument.Statement,
    );
    expect(statements).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: tooling.resolve(recorder.logGroup.logGroupArn),
      },
      {
        Sid: 'RecordDeployments',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: tooling.resolve(tooling.releaseTrigger.releaseTable.tableArn),
      },
      {
        Sid: 'UseFactoryKeyViaServices',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: tooling.resolve(tooling.encryptionKey.keyArn),
        Condition: {
          StringEquals: {
            'kms:ViaService': [
              `dynamodb.${TEST_ENV.region}.amazonaws.com`,
              `sqs.${TEST_ENV.region}.amazonaws.com`,
            ],
          },
        },
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: tooling.resolve(recorder.deadLetterQueue.queueArn),
      },
    ]);
  });

  test('IAM must not: put, delete, scan or query the table, call CodePipeline, or publish anything', () => {
    const role = tooling.resolve(recorder.role.roleName) as { Ref: string };
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [role] } });
    const actions = JSON.stringify(policies);
    for (const forbidden of [
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:Scan',
      'dynamodb:Query',
      'dynamodb:*',
      'codepipeline:',
      'sns:',
      'events:',
    ]) {
      expect({ forbidden, present: actions.includes(forbidden) }).toEqual({ forbidden, present: false });
    }
    expect(actions).not.toContain('"Resource":"*"');
  });
});

describe('promoted environment pipeline (prod promotes from staging)', () => {
  const testApp = buildTestApp(modelWith());
  const variablesOf = (env: string): { Name: string }[] => {
    const template = testApp.template(testApp.environments[env]!);
    const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline')) as {
      Properties: {
        Variables: { Name: string; Description?: string }[];
        Stages: { Name: string; Actions: { Configuration: Record<string, unknown> }[] }[];
      };
    }[];
    return pipeline!.Properties.Variables;
  };
  const customData = (env: string): string => {
    const template = testApp.template(testApp.environments[env]!);
    const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline')) as {
      Properties: { Stages: { Name: string; Actions: { Configuration: Record<string, unknown> }[] }[] };
    }[];
    const approval = pipeline!.Properties.Stages.find((s) => s.Name === 'Approval');
    return approval!.Actions[0]!.Configuration.CustomData as string;
  };

  test('prod declares PROMOTED_FROM and its approval says where and when the commit was applied before', () => {
    expect(variablesOf('prod')).toContainEqual({
      Name: 'PROMOTED_FROM',
      Description: 'Where and when the commit was applied in staging before (promotion gate)',
    });
    expect(customData('prod')).toBe(approvalMessage({ promoted: true }));
    expect(customData('prod')).toContain(
      'to account #{variables.TARGET_ACCOUNT} in #{variables.TARGET_REGION}. Applied before in #{variables.PROMOTED_FROM}. Plan:',
    );
  });

  test('staging (no promotion) declares no PROMOTED_FROM and its approval does not mention it', () => {
    expect(variablesOf('staging').map((v) => v.Name)).not.toContain('PROMOTED_FROM');
    expect(customData('staging')).toBe(approvalMessage());
    expect(customData('staging')).not.toContain('PROMOTED_FROM');
  });

  test('the promoted approval message still fits CustomData in the worst case', () => {
    expect(worstCaseResolvedLength(approvalMessage({ promoted: true }))).toBeLessThanOrEqual(
      CUSTOM_DATA_LIMIT,
    );
    expect(
      worstCaseResolvedLength(approvalMessage({ promoted: true })) -
        worstCaseResolvedLength(approvalMessage()),
    ).toBe('Applied before in . '.length + 120);
  });
});
