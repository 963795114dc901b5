import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { regionalServiceName } from './service-names';

/**
 * Names of the tools bundle (bucket and key alias), derived from `factory.yaml` like the state names, so the
 * tooling stack (which owns the bucket) and the environment stacks (whose actions read it) agree without
 * cross-stack references.
 */
export interface ToolsBundleNames {
  readonly bucket: string;
  /** Alias of the customer-managed KMS key that encrypts the bundles. */
  readonly keyAlias: string;
}

/** Suffix of the bundle bucket: `<stateBucketPrefix>-tools-bundles`. */
const BUCKET_SUFFIX = 'tools-bundles';

export function toolsBundleNames(factory: { readonly stateBucketPrefix: string }): ToolsBundleNames {
  const bucket = `${factory.stateBucketPrefix}-${BUCKET_SUFFIX}`;
  return { bucket, keyAlias: `alias/${bucket}` };
}

/** Environment names that would give a state bucket the bundle bucket's name (`<prefix>-<env>`). */
export const RESERVED_ENVIRONMENT_NAMES: readonly string[] = [BUCKET_SUFFIX];

/** Thrown for a tools lock whose digest cannot key a bundle. */
export class ToolsBundleError extends Error {
  override readonly name = 'ToolsBundleError';
}

/** The lock's `digest` (hex SHA-256), which keys its bundle: `bundles/<digest>/<platform>/`. */
export function lockDigestOf(lockText: string, file = 'tools.lock.json'): string {
  let digest: unknown;
  try {
    digest = (JSON.parse(lockText) as { digest?: unknown }).digest;
  } catch (error) {
    throw new ToolsBundleError(`${file}: not JSON (${(error as Error).message})`);
  }
  if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) {
    throw new ToolsBundleError(`${file}: digest must be a lowercase hex SHA-256; run \`tfpf tools lock\``);
  }
  return digest;
}

/** `bundles/<digest>`: every object of one lock's bundle lies under it. */
export function bundlePrefix(digest: string): string {
  return `bundles/${digest}`;
}

/** ARNs of the bundle bucket and of one lock's bundle objects. */
export function toolsBundleArns(
  stack: Stack,
  names: ToolsBundleNames,
  digest: string,
): { bucket: string; objects: string; keys: string } {
  const bucket = stack.formatArn({
    service: 's3',
    region: '',
    account: '',
    resource: names.bucket,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
  return {
    bucket,
    objects: `${bucket}/${bundlePrefix(digest)}/*`,
    keys: stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' }),
  };
}

/**
 * What an action needs to use its bundle: read the objects of its own lock digest, and decrypt them, only through
 * S3, only with the key carrying the bundle alias, and only for objects under that digest (the bucket has no S3
 * Bucket Key, so the encryption context is the object's ARN). Nothing else of the bucket is readable, and nothing
 * is writable (the bucket policy denies writes by any principal but the builder).
 */
export function toolsBundleReadStatements(
  stack: Stack,
  names: ToolsBundleNames,
  digest: string,
): iam.PolicyStatement[] {
  const arns = toolsBundleArns(stack, names, digest);
  return [
    new iam.PolicyStatement({
      sid: 'ToolsBundleObjects',
      actions: ['s3:GetObject'],
      resources: [arns.objects],
    }),
    new iam.PolicyStatement({
      sid: 'ToolsBundleKey',
      actions: ['kms:Decrypt'],
      resources: [arns.keys],
      conditions: {
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [names.keyAlias] },
        StringEquals: { 'kms:ViaService': regionalServiceName(stack, 's3') },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': arns.objects },
      },
    }),
  ];
}

/** Environment variables of an action that uses the bundle (read by buildspecs/lib/tfpf_tools.py). */
export function toolsBundleEnvironment(names: ToolsBundleNames, digest: string): Record<string, string> {
  return { TFPF_TOOLS_BUNDLE_BUCKET: names.bucket, TFPF_TOOLS_BUNDLE_PREFIX: bundlePrefix(digest) };
}
