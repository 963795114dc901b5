/**
 * Where CodeBuild offers Lambda compute (`BUILD_LAMBDA_*`), per the CodeBuild user guide ("Run builds on AWS Lambda
 * compute", section "Which regions support AWS Lambda compute in CodeBuild?"). The one list the stacks, `tfpf
 * summary` and `tfpf doctor` use: a project on Lambda compute in any other region fails when the stack deploys.
 * None of these regions is in the aws-cn or aws-us-gov partition, so Lambda compute is refused there.
 */
export const LAMBDA_COMPUTE_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'eu-central-1',
  'eu-west-1',
  'sa-east-1',
] as const;

/** The AWS partition a region code belongs to (`aws`, `aws-cn`, `aws-us-gov`, …). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  return 'aws';
}

/** Whether CodeBuild offers Lambda compute in `region`. */
export function lambdaComputeAvailable(region: string): boolean {
  return (LAMBDA_COMPUTE_REGIONS as readonly string[]).includes(region);
}

/** Why Lambda compute cannot be used in `region` (for error messages and `tfpf doctor`). */
export function lambdaComputeUnavailableReason(region: string): string {
  const partition = partitionOfRegion(region);
  const where =
    partition === 'aws'
      ? `${region} is not one of the regions where CodeBuild offers Lambda compute`
      : `CodeBuild offers no Lambda compute in the ${partition} partition (${region})`;
  return `${where}; it does in ${LAMBDA_COMPUTE_REGIONS.join(', ')}`;
}
