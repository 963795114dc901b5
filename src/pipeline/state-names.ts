import { lockTableName, stateBucketName } from '../naming';

/**
 * Names of one environment's state resources, derived from `factory.yaml`, so the tooling stack (which owns them)
 * and the environment stacks (which grant access to them) agree without cross-stack references.
 */
export interface StateNames {
  readonly bucket: string;
  /** Alias of the KMS key that encrypts the state (bucket and lock table). */
  readonly keyAlias: string;
  /** DynamoDB lock table, when `locking: dynamodb`. */
  readonly lockTable?: string;
}

export function stateNames(
  factory: { readonly stateBucketPrefix: string; readonly locking: 's3-lockfile' | 'dynamodb' },
  environment: string,
): StateNames {
  return {
    bucket: stateBucketName(factory.stateBucketPrefix, environment),
    keyAlias: `alias/${stateBucketName(factory.stateBucketPrefix, environment)}-state`,
    ...(factory.locking === 'dynamodb'
      ? { lockTable: lockTableName(factory.stateBucketPrefix, environment) }
      : {}),
  };
}
