import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { regionalServiceName } from './service-names';

/** Lets CloudWatch Logs of the key's own account and region encrypt log groups with `key`. */
export function allowLogsEncryption(key: kms.IKey, sid: string): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      principals: [new iam.ServicePrincipal(regionalServiceName(stack, 'logs'))],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
}

/**
 * Lets EventBridge rules of the key's own account and region write undeliverable events into a dead-letter queue
 * encrypted with `key`. With `ruleNames`, only those rules (exact ARNs: the rules need explicit names, since the key
 * policy is part of the key, which the rules depend on through the queue); without, any rule of the account and
 * region.
 */
export function allowEventBridgeDeadLetters(key: kms.IKey, sid: string, ruleNames?: readonly string[]): void {
  const stack = Stack.of(key);
  const ruleArn = (name: string): string =>
    stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: name,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions:
        ruleNames === undefined
          ? { ArnLike: { 'aws:SourceArn': ruleArn('*') } }
          : { ArnEquals: { 'aws:SourceArn': ruleNames.map(ruleArn) } },
    }),
  );
}

const alarmKeys = new WeakSet<kms.IKey>();

/**
 * Lets CloudWatch alarms of the key's own account publish to topics encrypted with `key` (statement
 * `CloudWatchAlarms`). Every construct whose alarm notifies such a topic calls it; the statement is added once.
 */
export function allowAlarmNotifications(key: kms.IKey): void {
  if (alarmKeys.has(key)) return;
  alarmKeys.add(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(key).account } },
    }),
  );
}
