import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetBucketVersioningCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FactoryModel } from '../config';
import { stateNames } from '../pipeline/state-names';
import { stackNames } from '../stacks/stack-names';
import { describeError, fail, isNotFound, pass, type DoctorRow } from './doctor-row';

/** Each environment's state bucket (exists, versioned) and, with DynamoDB locking, its lock table. */
export async function checkState(
  s3: S3Client,
  dynamodb: DynamoDBClient,
  config: FactoryModel,
): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  const deployTooling = `deploy the tooling stack (npx cdk deploy ${stackNames(config.factory.pipelineNamePrefix).tooling}), which creates the state`;
  for (const env of config.environments) {
    const names = stateNames(config.factory, env.environment);
    try {
      await s3.send(new HeadBucketCommand({ Bucket: names.bucket }));
      const { Status } = await s3.send(new GetBucketVersioningCommand({ Bucket: names.bucket }));
      rows.push(
        Status === 'Enabled'
          ? pass('state bucket', names.bucket, 'exists, versioned')
          : fail(
              'state bucket',
              names.bucket,
              `versioning is ${Status ?? 'off'}: an overwritten state could not be recovered`,
              `aws s3api put-bucket-versioning --bucket ${names.bucket} --versioning-configuration Status=Enabled`,
            ),
      );
    } catch (error) {
      rows.push(
        fail(
          'state bucket',
          names.bucket,
          isNotFound(error) ? 'does not exist' : describeError(error),
          deployTooling,
        ),
      );
    }
    if (names.lockTable !== undefined) {
      try {
        const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: names.lockTable }));
        const hashKey = Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
        rows.push(
          hashKey === 'LockID'
            ? pass('lock table', names.lockTable, `${Table?.TableStatus ?? 'exists'}, hash key LockID`)
            : fail(
                'lock table',
                names.lockTable,
                `hash key is ${hashKey ?? 'missing'}; Terraform needs LockID`,
                'delete the table and deploy the tooling stack again',
              ),
        );
      } catch (error) {
        rows.push(
          fail(
            'lock table',
            names.lockTable,
            isNotFound(error) ? 'does not exist' : describeError(error),
            deployTooling,
          ),
        );
      }
    }
  }
  return rows;
}
