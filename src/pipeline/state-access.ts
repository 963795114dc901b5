import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { StateNames } from './state-names';

/**
 * Read/write access to one environment's Terraform state for a CodeBuild project role: the state bucket (objects
 * and the S3 lockfile), the lock table when there is one, and the environment's state key (only through S3 or
 * DynamoDB, and only the key carrying the environment's alias). Built from names, not references, so the
 * environment stack does not import anything from the tooling stack.
 */
export function stateAccessStatements(stack: Stack, names: StateNames): iam.PolicyStatement[] {
  const arns = stateResourceArns(stack, names);
  const statements = [
    new iam.PolicyStatement({
      sid: 'StateBucket',
      actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetBucketVersioning'],
      resources: [arns.bucket],
    }),
    new iam.PolicyStatement({
      sid: 'StateObjects',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [arns.objects],
    }),
    new iam.PolicyStatement({
      sid: 'StateKey',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [arns.keys],
      conditions: {
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [names.keyAlias] },
        StringEquals: {
          'kms:ViaService': ['s3', 'dynamodb'].map((s) => `${s}.${stack.region}.amazonaws.com`),
        },
      },
    }),
  ];
  if (names.lockTable !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'StateLockTable',
        actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [arns.lockTable as string],
      }),
    );
  }
  return statements;
}

/** ARNs of one environment's state resources, derived from their names. */
export interface StateResourceArns {
  readonly bucket: string;
  /** Every object of the bucket. */
  readonly objects: string;
  /** Every KMS key of the account and region (narrowed by the alias condition). */
  readonly keys: string;
  readonly lockTable?: string;
}

export function stateResourceArns(stack: Stack, names: StateNames): StateResourceArns {
  const bucket = stack.formatArn({
    service: 's3',
    region: '',
    account: '',
    resource: names.bucket,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
  return {
    bucket,
    objects: `${bucket}/*`,
    keys: stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' }),
    ...(names.lockTable === undefined
      ? {}
      : {
          lockTable: stack.formatArn({
            service: 'dynamodb',
            resource: 'table',
            resourceName: names.lockTable,
          }),
        }),
  };
}
