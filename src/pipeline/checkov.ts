import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Skips checkov checks on one resource, each with its reason, as CloudFormation metadata
 * (`Metadata.checkov.skip[{id, comment}]`), which `checkov --framework cloudformation` honours. The reason is
 * required: a skip without one is a finding nobody looked at.
 *
 * `target` is a CloudFormation resource or a construct whose default child is one (e.g. an `s3.Bucket`).
 */
export function skipCheckov(target: IConstruct, checks: Readonly<Record<string, string>>): void {
  const resource = target instanceof CfnResource ? target : target.node.defaultChild;
  if (!(resource instanceof CfnResource)) {
    throw new Error(`skipCheckov: ${target.node.path} is not a CloudFormation resource`);
  }
  const existing = (
    resource.getMetadata('checkov') as { skip?: { id: string; comment: string }[] } | undefined
  )?.skip;
  const skip = [...(existing ?? [])];
  for (const [id, comment] of Object.entries(checks)) {
    if (!/^CKV2?_AWS_\d+$/.test(id)) throw new Error(`skipCheckov: "${id}" is not a checkov AWS check id`);
    if (comment.trim().length < 10)
      throw new Error(`skipCheckov: ${id} on ${target.node.path} needs a reason`);
    if (!skip.some((s) => s.id === id)) skip.push({ id, comment });
  }
  resource.addMetadata('checkov', { skip });
}
