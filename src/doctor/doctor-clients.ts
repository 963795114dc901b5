import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';

/** The SDK clients `tfpf doctor` uses, all for the tooling account and region. */
export interface DoctorClients {
  readonly sts: STSClient;
  readonly iam: IAMClient;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly codecommit: CodeCommitClient;
  readonly quotas: ServiceQuotasClient;
}

export interface DoctorClientOptions {
  readonly region: string;
  /** One endpoint for every service (an emulator such as moto). Default: AWS. */
  readonly endpoint?: string;
}

/** Clients with the caller's default credential chain (profile, environment, SSO, …). */
export function createDoctorClients(options: DoctorClientOptions): DoctorClients {
  const config = {
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    maxAttempts: 2,
  };
  return {
    sts: new STSClient(config),
    iam: new IAMClient(config),
    s3: new S3Client({ ...config, forcePathStyle: options.endpoint !== undefined }),
    dynamodb: new DynamoDBClient(config),
    sns: new SNSClient(config),
    codecommit: new CodeCommitClient(config),
    quotas: new ServiceQuotasClient(config),
  };
}
