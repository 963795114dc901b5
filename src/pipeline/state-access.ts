import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { regionalServiceName } from './service-names';
import type { StateNames } from './state-names';

/**
 * `read`: what a plan needs (it runs with `-lock=false`: a plan never writes state, and a plan made against a
 * state that changes before apply is refused as stale under apply's lock). `read-write`: what apply needs.
 */
export type StateAccess = 'read' | 'read-write';

const ACTIONS: Record<StateAccess, { objects: string[]; key: string[]; lockTable: string[] }> = {
  read: {
    objects: ['s3:GetObject'],
    key: ['kms:Decrypt'],
    // The S3 backend reads the state's digest item from the lock table on every state read.
    lockTable: ['dynamodb:GetItem'],
  },
  'read-write': {
    objects: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    key: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    lockTable: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
  },
};

/**
 * Access to one environment's Terraform state for a CodeBuild project role: the state bucket (objects and, for
 * `read-write`, the S3 lockfile), the lock table when there is one, and the environment's state key (only through
 * S3 or DynamoDB, and only the key carrying the environment's alias). Built from names, not references, so the
 * environment stack does not import anything from the tooling stack.
 */
export function stateAccessStatements(
  stack: Stack,
  names: StateNames,
  access: StateAccess,
): iam.PolicyStatement[] {
  const arns = stateResourceArns(stack, names);
  const actions = ACTIONS[access];
  const statements = [
    new iam.PolicyStatement({
      sid: 'StateBucket',
      actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetBucketVersioning'],
      resources: [arns.bucket],
    }),
    new iam.PolicyStatement({
      sid: 'StateObjects',
      actions: actions.objects,
      resources: [arns.objects],
    }),
    new iam.PolicyStatement({
      sid: 'StateKey',
      actions: actions.key,
      resources: [arns.keys],
      conditions: {
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [names.keyAlias] },
        StringEquals: {
          'kms:ViaService': ['s3', 'dynamodb'].map((s) => regionalServiceName(stack, s)),
        },
      },
    }),
  ];
  if (names.lockTable !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'StateLockTable',
        actions: actions.lockTable,
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
