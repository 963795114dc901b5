import { Aws, Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';

/**
 * `<service>.<region>.<domain suffix>` for the stack's region: `s3.eu-central-1.amazonaws.com`,
 * `s3.cn-north-1.amazonaws.com.cn` in China. Used for `kms:ViaService` values and regional service principals,
 * which carry the partition's domain. The suffix is a literal when the region is known, else `AWS::URLSuffix`.
 */
export function regionalServiceName(stack: Stack, service: string): string {
  const suffix = Token.isUnresolved(stack.region)
    ? Aws.URL_SUFFIX
    : (RegionInfo.get(stack.region).domainSuffix ?? Aws.URL_SUFFIX);
  return `${service}.${stack.region}.${suffix}`;
}
