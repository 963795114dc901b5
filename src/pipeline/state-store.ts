import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { stateNames } from './state-names';

export interface StateStoreProps {
  readonly stateBucketPrefix: string;
  readonly locking: 's3-lockfile' | 'dynamodb';
  readonly environment: string;
  /** Bucket receiving the state bucket's server access logs. */
  readonly accessLogsBucket: s3.IBucket;
  /** Days a replaced state version is kept (the newest `noncurrentVersionsToRetain` are always kept). Default: 365. */
  readonly noncurrentVersionDays?: number;
}

/**
 * Terraform state of one environment: a dedicated KMS key, the bucket `<prefix>-<env>` (versioned, KMS-encrypted,
 * public access blocked, TLS 1.2+ only, access-logged) and, with `locking: dynamodb`, the lock table
 * `<prefix>-lock-<env>` (LockID hash key, PITR, KMS). Every one of them is retained when the stack or the
 * environment is removed: tearing the factory down never destroys Terraform state.
 */
export class StateStore extends Construct {
  public readonly key: kms.Key;
  public readonly bucket: s3.Bucket;
  public readonly lockTable?: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateStoreProps) {
    super(scope, id);
    const names = stateNames(props, props.environment);

    this.key = new kms.Key(this, 'Key', {
      alias: names.keyAlias,
      description: `tfpf: Terraform state of the ${props.environment} environment`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: names.bucket,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: `state/${names.bucket}/`,
      lifecycleRules: [
        {
          id: 'keep-state-history',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 365),
          noncurrentVersionsToRetain: 50,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });

    if (names.lockTable !== undefined) {
      this.lockTable = new dynamodb.Table(this, 'LockTable', {
        tableName: names.lockTable,
        partitionKey: { name: 'LockID', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.key,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
  }
}
