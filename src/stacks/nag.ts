import { Stack, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * Runs cdk-nag's AwsSolutions pack over the whole app as a CDK policy validation plugin: any unacknowledged
 * finding stops synthesis (and `cdk synth`/`cdk deploy`) with a report.
 */
/** Name of the cdk-nag pack (the validation plugin), which qualifies acknowledgment ids. */
export const NAG_PACK = 'AwsSolutions';

export function enableNag(app: App): AwsSolutionsChecks {
  const pack = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(pack);
  return pack;
}

/**
 * Acknowledges cdk-nag findings on `scope` and everything under it, with the reason written down. `findings` are
 * finding ids (e.g. `Resource::*`) of a rule that reports several; without them the rule is acknowledged whole.
 */
export function acknowledgeNag(
  scope: IConstruct,
  rule: string,
  reason: string,
  findings: readonly string[] = [],
): void {
  if (reason.trim().length < 20)
    throw new Error(`acknowledgeNag: ${rule} on ${scope.node.path} needs a real reason`);
  const ids = findings.length === 0 ? [rule] : findings.map((f) => `${rule}[${f}]`);
  // Qualified with the plugin name: an unqualified id would be taken for a CDK annotation id.
  for (const id of ids) Validations.of(scope).acknowledge({ id: `${NAG_PACK}::${id}`, reason });
}

/** What a wildcard acknowledgment covers: action patterns and/or resources (ARNs, tokens allowed). */
export interface WildcardFindings {
  readonly actions?: readonly string[];
  readonly resources?: readonly string[];
}

/**
 * Acknowledges `AwsSolutions-IAM5` (wildcard permissions) for exactly these actions and resources on `scope`.
 * Resources are resolved and flattened the way cdk-nag names findings (`<LogicalId.Arn>/*`), so no logical id is
 * written by hand.
 */
export function acknowledgeWildcards(scope: IConstruct, findings: WildcardFindings, reason: string): void {
  const stack = Stack.of(scope);
  const ids = [
    ...(findings.actions ?? []).map((a) => `Action::${a}`),
    ...(findings.resources ?? []).map((r) => `Resource::${flattenCfnReference(stack.resolve(r))}`),
  ];
  acknowledgeNag(scope, 'AwsSolutions-IAM5', reason, ids);
}
