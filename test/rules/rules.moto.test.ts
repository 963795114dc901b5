import * as path from 'node:path';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { loadRuleTemplates, renderPattern } from '../../src/trigger/rule-patterns';
import { createQueue, receiveUntil } from '../support/aws-raw';
import { useMotoServer } from '../support/moto';
import { defaultConfig, referenceEvent, repositoryArn } from '../trigger/fixtures';

/**
 * The rules/ patterns checked by an independent matcher: moto's EventBridge rule engine (server mode). moto's
 * TestEventPattern is an empty stub, so each rule is created with PutRule, targets its own SQS queue, and real-format
 * CodeCommit events are put with PutEvents; what arrives in each queue is what the rule matches.
 */

const moto = useMotoServer();
const config = defaultConfig();
const templates = loadRuleTemplates(path.join(__dirname, '..', '..', 'rules'));
const queues = new Map<string, string>();
let eventbridge: EventBridgeClient;
let sequence = 0;

beforeAll(async () => {
  eventbridge = new EventBridgeClient(moto.clientConfig());
  for (const template of templates) {
    const pattern = renderPattern(template.pattern, {
      repositoryArn: repositoryArn(),
      repositoryName: config.factory.repository,
      environments: config.environments.map((e) => e.environment),
    });
    await eventbridge.send(
      new PutRuleCommand({ Name: template.name, EventPattern: JSON.stringify(pattern) }),
    );
    const queue = await createQueue(moto.clientConfig(), `rule-${template.name}`);
    await eventbridge.send(
      new PutTargetsCommand({ Rule: template.name, Targets: [{ Id: 'queue', Arn: queue.arn }] }),
    );
    queues.set(template.name, queue.url);
  }
});

afterAll(() => eventbridge?.destroy());

/** The PutEvents entry for a real-format event (account and region come from the caller, as in AWS). */
function entry(event: Record<string, unknown>): PutEventsRequestEntry {
  return {
    Source: event.source as string,
    DetailType: event['detail-type'] as string,
    Resources: event.resources as string[],
    Detail: JSON.stringify(event.detail),
  };
}

/**
 * Puts `event`, then one sentinel per rule that surely matches it; everything received before a rule's sentinel
 * is what that rule matched (bounded polling, so an absent event cannot hang the test).
 */
async function matchingRules(event: Record<string, unknown>): Promise<string[]> {
  const marker = `sentinel-${++sequence}`;
  const sentinel = (kind: 'referenceCreated' | 'referenceUpdated'): PutEventsRequestEntry =>
    entry(referenceEvent({ event: kind, name: `dev_${marker}` }));
  const put = await eventbridge.send(
    new PutEventsCommand({
      Entries: [entry(event), sentinel('referenceCreated'), sentinel('referenceUpdated')],
    }),
  );
  expect(put.FailedEntryCount).toBe(0);
  const matched: string[] = [];
  for (const [rule, url] of queues) {
    const bodies = await receiveUntil(moto.clientConfig(), url, (all) => all.some((b) => b.includes(marker)));
    expect(bodies.some((b) => b.includes(marker))).toBe(true); // the sentinel arrived: delivery works
    const before = bodies.filter((b) => !b.includes(marker));
    if (before.length > 0) {
      expect(before).toHaveLength(1);
      expect(JSON.parse(before[0]!).detail).toEqual(event.detail); // the real event, unchanged
      matched.push(rule);
    }
  }
  return matched;
}

describe('rules/ through moto’s EventBridge rule engine', () => {
  test.each(config.environments.map((e) => e.environment))(
    'a %s_ tag created matches tag-created',
    async (env) => {
      await expect(
        matchingRules(referenceEvent({ name: `${env}_eu-central-1/research/1.0.0` })),
      ).resolves.toEqual(['tag-created']);
    },
  );

  test('a tag moved to another commit (referenceUpdated) matches tag-moved only', async () => {
    await expect(matchingRules(referenceEvent({ event: 'referenceUpdated' }))).resolves.toEqual([
      'tag-moved',
    ]);
  });

  test('a tag deleted matches nothing', async () => {
    await expect(matchingRules(referenceEvent({ event: 'referenceDeleted' }))).resolves.toEqual([]);
  });

  test.each(['referenceCreated', 'referenceUpdated', 'referenceDeleted'] as const)(
    'a branch event (%s) named like a release tag matches nothing',
    async (kind) => {
      const event = referenceEvent({
        event: kind,
        referenceType: 'branch',
        name: 'dev_eu-central-1/research/1.0',
      });
      await expect(matchingRules(event)).resolves.toEqual([]);
    },
  );

  test('a tag of another repository matches nothing', async () => {
    await expect(matchingRules(referenceEvent({ repositoryName: 'other-infra' }))).resolves.toEqual([]);
  });

  test('the same repository name in another account matches nothing', async () => {
    await expect(matchingRules(referenceEvent({ account: '210987654321' }))).resolves.toEqual([]);
  });

  test.each([
    'devtest_eu-central-1/research/1.0',
    'dev',
    'dev-eu-central-1/research/1.0',
    'DEV_eu-central-1/research/1.0',
    'v1.0.0',
    'qadev_us-east-1/risk/1.0',
  ])('tag %s (no configured "<env>_" prefix) matches nothing', async (name) => {
    await expect(matchingRules(referenceEvent({ name }))).resolves.toEqual([]);
  });

  test('a malformed tag with a release prefix is delivered, so the handler can tell the tagger why it is refused', async () => {
    await expect(matchingRules(referenceEvent({ name: 'dev_nowhere/x/latest' }))).resolves.toEqual([
      'tag-created',
    ]);
  });
});
