import { App, Stack } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ReleaseTrigger, type ReleaseTriggerProps } from '../../src/trigger/release-trigger';
import { defaultConfig } from './fixtures';

export const TEST_ENV = { account: '123456789012', region: 'eu-central-1' } as const;

export { defaultConfig } from './fixtures';

export interface TriggerStack {
  readonly stack: Stack;
  readonly trigger: ReleaseTrigger;
  readonly repository: codecommit.Repository;
  readonly topic: sns.Topic;
  readonly key: kms.Key;
}

/** GIVEN: a tiny stack with a repository, an encrypted topic, a key and the release trigger. */
export function triggerStack(overrides: Partial<ReleaseTriggerProps> = {}): TriggerStack {
  const app = new App();
  const stack = new Stack(app, 'TriggerTest', { env: TEST_ENV });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const repository = new codecommit.Repository(stack, 'Repo', { repositoryName: 'infra' });
  const topic = new sns.Topic(stack, 'Failures', { masterKey: key });
  const trigger = new ReleaseTrigger(stack, 'ReleaseTrigger', {
    config: defaultConfig(),
    repository,
    failureTopic: topic,
    encryptionKey: key,
    ...overrides,
  });
  return { stack, trigger, repository, topic, key };
}
