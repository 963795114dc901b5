import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { createReleaseHandler } from '../../src/trigger/release-handler';
import { ReleaseLedger } from '../../src/trigger/release-ledger';
import { defaultConfig, referenceEvent } from './fixtures';
import { fakeCodeCommit } from './harness';

/**
 * Fuzz: ≥ 10,000 random and mutated tag events per run, all AWS clients mocked (aws-sdk-client-mock) for speed.
 * Properties: the handler never throws; it starts a pipeline exactly for events that release under the contract
 * (checked by an oracle written independently of src/tag from DESIGN §4), on the right pipeline, commit and tag;
 * every other tag event of the repository that is created or moved is rejected with a notification and an event;
 * the rest (deleted tags, branches, other repositories, non-events) is ignored.
 */

const config = defaultConfig();
const RUNS_PER_PROPERTY = 6000; // two properties: 12,000 events per run

const codecommit = mockClient(CodeCommitClient);
const codepipeline = mockClient(CodePipelineClient);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
const dynamodb = mockClient(DynamoDBClient);

const handle = createReleaseHandler({
  config,
  codecommit: new CodeCommitClient({ region: 'eu-central-1' }),
  codepipeline: new CodePipelineClient({ region: 'eu-central-1' }),
  sns: new SNSClient({ region: 'eu-central-1' }),
  events: new EventBridgeClient({ region: 'eu-central-1' }),
  ledger: new ReleaseLedger(new DynamoDBClient({ region: 'eu-central-1' }), {
    tableName: 'ledger',
    pendingTimeoutSeconds: 60,
    retentionDays: 30,
  }),
  failureTopicArn: 'arn:aws:sns:eu-central-1:123456789012:failures',
  log: () => undefined,
});

beforeAll(() => {
  fakeCodeCommit(codecommit);
  codepipeline.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec-1' });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  dynamodb.onAnyCommand().resolves({});
});

beforeEach(() => {
  for (const mock of [codecommit, codepipeline, sns, events, dynamodb]) mock.resetHistory();
});

// ---- Oracle: the tag contract, written from DESIGN §4 (not from src/tag) ------------------------------------
const NUM = '(?:0|[1-9][0-9]*)';
const PRE = '(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)';
const VERSION = new RegExp(`^v?${NUM}\\.${NUM}(?:\\.${NUM})?(?:-${PRE}(?:\\.${PRE})*)?$`);

function releasesUnderContract(tag: string): { environment: string } | undefined {
  if (tag.length > 200) return undefined; // the implementation's documented bound on tag length
  const match = /^([^_/]*)_([^/]*)\/([^/]*)\/([^/]*)$/.exec(tag);
  if (match === null) return undefined;
  const [, environment, scope, team, version] = match as unknown as [string, string, string, string, string];
  const env = config.environments.find((e) => e.environment === environment);
  if (env === undefined) return undefined;
  if (scope !== 'global' && !(env.regions as readonly string[]).includes(scope)) return undefined;
  if (!Object.prototype.hasOwnProperty.call(env.teams, team)) return undefined;
  if (!VERSION.test(version)) return undefined;
  return { environment };
}

// ---- Generators -------------------------------------------------------------------------------------------------
const envs = config.environments;
const numberPart = fc.oneof(fc.constantFrom('0', '1', '2', '10', '42'), fc.nat({ max: 100000 }).map(String));
const preId = fc.oneof(
  numberPart,
  fc.constantFrom('rc', 'alpha', 'beta', 'x-y', '0a', 'RC1', '-'),
  fc.stringMatching(/^[0-9A-Za-z-]{1,8}$/),
);
const version = fc
  .tuple(
    fc.boolean(),
    numberPart,
    numberPart,
    fc.option(numberPart),
    fc.option(fc.array(preId, { minLength: 1, maxLength: 3 })),
  )
  .map(
    ([v, a, b, c, pre]) =>
      `${v ? 'v' : ''}${a}.${b}${c === null ? '' : `.${c}`}${pre === null ? '' : `-${pre.join('.')}`}`,
  );

const validTag = fc
  .record({
    env: fc.constantFrom(...envs),
    scopeIndex: fc.nat(),
    teamIndex: fc.nat(),
    version,
  })
  .map(({ env, scopeIndex, teamIndex, version: v }) => {
    const scopes = [...env.regions, 'global'];
    const teams = Object.keys(env.teams);
    return `${env.environment}_${scopes[scopeIndex % scopes.length]}/${teams[teamIndex % teams.length]}/${v}`;
  });

const nasty = fc.constantFrom(
  ' ',
  '\t',
  '\n',
  '\u0000',
  '+',
  '$',
  '`',
  ';',
  '|',
  '&',
  '..',
  '/',
  '_',
  '\\',
  '"',
  "'",
  'é',
  '\u200b',
  '\u{1F600}',
  'A',
  'Z',
  '-',
  '.',
  '0',
  '00',
  'global',
  'dev_',
  'devtest_',
  '__proto__',
  'constructor',
  '$(id)',
  '+build.1',
);

/** Mutations of a valid tag: insert, delete, replace, case change, extra segment, prefix games. */
const mutatedTag = fc
  .tuple(
    validTag,
    fc.nat(),
    fc.integer({ min: 0, max: 9 }),
    nasty,
    fc.string({ maxLength: 4, unit: 'binary' }),
  )
  .map(([tag, at, op, piece, junk]) => {
    const i = at % (tag.length + 1);
    switch (op) {
      case 0:
        return tag.slice(0, i) + piece + tag.slice(i);
      case 1:
        return tag.slice(0, i) + tag.slice(i + 1);
      case 2:
        return tag.slice(0, i) + junk + tag.slice(i + 1);
      case 3:
        return tag.slice(0, i) + tag.slice(i, i + 1).toUpperCase() + tag.slice(i + 1);
      case 4:
        return `${tag}/${piece}`;
      case 5:
        return `${piece}${tag}`;
      case 6:
        return tag.replace(/^[a-z-]+_/, (m) => `${m.slice(0, -1)}${piece}_`);
      case 7:
        return tag.replace(/\/[^/]+\//, `/${piece}/`);
      case 8:
        return `${tag}${piece}`;
      default:
        return tag; // unchanged: must release
    }
  });

function weighted(...choices: [string, number][]): fc.Arbitrary<string> {
  return fc.oneof(...choices.map(([value, weight]) => ({ weight, arbitrary: fc.constant(value) })));
}

const commitId = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[0-9a-f]{40}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 45 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const tagEvent = fc
  .record({
    name: fc.oneof(
      { weight: 3, arbitrary: mutatedTag },
      { weight: 2, arbitrary: validTag },
      { weight: 1, arbitrary: fc.string({ maxLength: 60, unit: 'grapheme' }) },
    ),
    event: weighted(
      ['referenceCreated', 6],
      ['referenceUpdated', 1],
      ['referenceDeleted', 1],
      ['referenceMoved', 1],
    ),
    referenceType: weighted(['tag', 8], ['branch', 1], ['TAG', 1]),
    repositoryName: weighted(['infra', 8], ['other', 1], ['Infra', 1]),
    commitId,
  })
  .map(({ name, event, referenceType, repositoryName, commitId: id }) => {
    const e = referenceEvent({ name, repositoryName }) as { detail: Record<string, unknown> };
    e.detail.event = event;
    e.detail.referenceType = referenceType;
    if (id === undefined) delete e.detail.commitId;
    else e.detail.commitId = id;
    return e as Record<string, unknown>;
  });

/** Structurally random inputs: anything at all, or a tag event with random fields replaced. */
const randomInput = fc.oneof(
  fc.anything(),
  fc
    .tuple(tagEvent, fc.constantFrom('source', 'detail-type', 'detail', 'id', 'account'), fc.anything())
    .map(([e, key, value]) => ({ ...e, [key]: value })),
  fc
    .tuple(
      tagEvent,
      fc.constantFrom(
        'event',
        'referenceName',
        'referenceType',
        'repositoryName',
        'commitId',
        'callerUserArn',
      ),
      fc.anything(),
    )
    .map(([e, key, value]) => ({ ...e, detail: { ...(e.detail as object), [key]: value } })),
  tagEvent,
);

// ---- Properties -------------------------------------------------------------------------------------------------
function expectation(input: unknown): 'start' | 'reject' | 'ignore' {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'ignore';
  const e = input as Record<string, unknown>;
  const d = e.detail as Record<string, unknown> | undefined;
  if (e.source !== 'aws.codecommit' || e['detail-type'] !== 'CodeCommit Repository State Change')
    return 'ignore';
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'ignore';
  if (typeof d.event !== 'string' || typeof d.repositoryName !== 'string') return 'ignore';
  if (typeof d.referenceType !== 'string' || typeof d.referenceName !== 'string') return 'ignore';
  if (d.repositoryName !== 'infra' || d.referenceType !== 'tag') return 'ignore';
  const name = d.referenceName;
  if (d.event === 'referenceUpdated') return 'reject';
  if (d.event !== 'referenceCreated') return 'ignore';
  const ok =
    releasesUnderContract(name) !== undefined &&
    typeof d.commitId === 'string' &&
    /^[0-9a-f]{40}$/.test(d.commitId);
  return ok ? 'start' : 'reject';
}

async function checkOne(input: unknown): Promise<void> {
  for (const mock of [codecommit, codepipeline, sns, events, dynamodb]) mock.resetHistory();
  const outcome = await handle(input); // must not throw
  const expected = expectation(input);
  const starts = codepipeline.commandCalls(StartPipelineExecutionCommand);
  const published = sns.commandCalls(PublishCommand);
  const emitted = events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]?.DetailType);
  if (expected === 'start') {
    expect(outcome.status).toBe('started');
    expect(starts).toHaveLength(1);
    const d = (input as { detail: { referenceName: string; commitId: string } }).detail;
    const start = starts[0]!.args[0].input;
    expect(start.name).toBe(`tfpf-${releasesUnderContract(d.referenceName)!.environment}`);
    expect(start.sourceRevisions).toEqual([
      { actionName: 'Source', revisionType: 'COMMIT_ID', revisionValue: d.commitId },
    ]);
    expect(start.variables).toContainEqual({ name: 'RELEASE_TAG', value: d.referenceName });
    expect(start.variables).toContainEqual({ name: 'COMMIT_ID', value: d.commitId });
    expect(emitted).toEqual(['Release Started']);
    expect(published).toHaveLength(0);
  } else {
    expect(starts).toHaveLength(0);
    expect(outcome.status).toBe(expected === 'reject' ? 'rejected' : 'ignored');
    expect(published).toHaveLength(expected === 'reject' ? 1 : 0);
    expect(emitted).toEqual(expected === 'reject' ? ['Release Rejected'] : []);
  }
}

describe('fuzz: tag handler on random and mutated events (all AWS mocked)', () => {
  test(`mutated and valid tags in well-formed events (${RUNS_PER_PROPERTY} runs)`, async () => {
    await fc.assert(fc.asyncProperty(tagEvent, checkOne), { numRuns: RUNS_PER_PROPERTY });
  });

  test(`structurally random inputs (${RUNS_PER_PROPERTY} runs)`, async () => {
    await fc.assert(fc.asyncProperty(randomInput, checkOne), { numRuns: RUNS_PER_PROPERTY });
  });

  test('the generators really produce releases, rejections and ignored events', () => {
    const share = (arbitrary: fc.Arbitrary<unknown>): Record<string, number> => {
      const counts: Record<string, number> = { start: 0, reject: 0, ignore: 0 };
      for (const input of fc.sample(arbitrary, { numRuns: 2000, seed: 7 })) counts[expectation(input)]! += 1;
      return counts;
    };
    const tags = share(tagEvent);
    expect(tags.start).toBeGreaterThan(150);
    expect(tags.reject).toBeGreaterThan(200);
    expect(tags.ignore).toBeGreaterThan(200);
    const random = share(randomInput);
    expect(random.start).toBeGreaterThan(20);
    expect(random.reject).toBeGreaterThan(20);
  });
});
