import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import * as semver from 'semver';
import { ledgerKey, readReferenceEvent } from '../../src/trigger/release-decision';
import { DeploymentStore } from '../../src/deployment/deployment-store';
import { createReleaseHandler, type ReleaseOutcome } from '../../src/trigger/release-handler';
import { ReleaseInProgressError, ReleaseLedger } from '../../src/trigger/release-ledger';
import { FakeTable } from './fake-dynamodb';
import { defaultConfig, OTHER_COMMIT, referenceEvent } from './fixtures';
import { fakeCodeCommit } from './harness';

/**
 * Fuzz: 12,000 random and mutated tag events per run, each in a scenario (first push, duplicate delivery, another
 * invocation holding the claim, the tag name released before from another commit, the same tag pushed again after
 * the ledger's expiry). The ledger is the real one on a stateful in-memory DynamoDB (fake-dynamodb.ts, conditions
 * evaluated), CodeCommit, CodePipeline, SNS and EventBridge are aws-sdk-client-mock stubs (CodeCommit knows commits
 * off main and ids that are not commits; the staging pipeline does not exist). Properties: the handler never throws
 * except "busy" (ReleaseInProgressError, retried); it starts a pipeline exactly for events that release under the
 * contract (an oracle written independently of src/tag, versions checked with the `semver` package), on the right
 * pipeline, commit and tag; every rejection carries the code the oracle predicts, with one notification and one
 * event; the rest is ignored. Each branch is reached at least MIN_HITS times (counts printed).
 */

const config = defaultConfig();
const RUNS_PER_PROPERTY = 6000; // two properties: 12,000 samples per run
const MIN_HITS = 60;
/**
 * Fixed seeds: the same 12,000 samples on every run, so "every branch reached" cannot pass on one run and fail on
 * the next. TFPF_FUZZ_SEED=<n> explores another sample set (printed with the counts).
 */
const SEED = process.env.TFPF_FUZZ_SEED === undefined ? 20261201 : Number(process.env.TFPF_FUZZ_SEED);
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const DAY_MS = 86400_000;
/** Commits that exist but are not reachable from main. */
const OFF_MAIN = [OTHER_COMMIT, 'abcdefabcdefabcdefabcdefabcdefabcdefabcd'];
/** Ids that are not commits (annotated tag objects). */
const NOT_COMMITS = ['7'.repeat(40), '8'.repeat(40)];
/** A commit of main the "reused" scenario first released the tag from. */
const PRIOR_COMMIT = '9'.repeat(40);
/** Environments whose pipeline exists (tfpf-staging does not: its stack is not deployed). */
const DEPLOYED = new Set(['tfpf-dev', 'tfpf-qa', 'tfpf-prod']);

const codecommit = mockClient(CodeCommitClient);
const codepipeline = mockClient(CodePipelineClient);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
const dynamodb = mockClient(DynamoDBClient);
const table = new FakeTable();
let nowMs = T0;
let executions = 0;

const ledgerOptions = { tableName: 'ledger', pendingTimeoutSeconds: 60, retentionDays: 30, now: () => nowMs };
const ledgerClient = new DynamoDBClient({ region: 'eu-central-1' });
const handle = createReleaseHandler({
  config,
  codecommit: new CodeCommitClient({ region: 'eu-central-1' }),
  codepipeline: new CodePipelineClient({ region: 'eu-central-1' }),
  sns: new SNSClient({ region: 'eu-central-1' }),
  events: new EventBridgeClient({ region: 'eu-central-1' }),
  ledger: new ReleaseLedger(ledgerClient, ledgerOptions),
  deployments: new DeploymentStore(ledgerClient, 'ledger'),
  failureTopicArn: 'arn:aws:sns:eu-central-1:123456789012:failures',
  log: () => undefined,
});
/** Another invocation's view of the same ledger. */
const otherInvocation = new ReleaseLedger(ledgerClient, ledgerOptions);

beforeAll(() => {
  fakeCodeCommit(codecommit, {
    onMain: (id) => /^[0-9a-f]{40}$/.test(id) && !OFF_MAIN.includes(id),
    notCommits: new Set(NOT_COMMITS),
  });
  codepipeline.on(StartPipelineExecutionCommand).callsFake((input: { name: string }) => {
    if (!DEPLOYED.has(input.name)) {
      throw Object.assign(new Error(`pipeline ${input.name} not found`), {
        name: 'PipelineNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    executions += 1;
    return { pipelineExecutionId: `exec-${executions}` };
  });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  table.wire(dynamodb);
});

function resetHistories(): void {
  for (const mock of [codecommit, codepipeline, sns, events, dynamodb]) mock.resetHistory();
}

// ---- Oracle: the tag contract, written from DESIGN §4 (not from src/tag); versions judged by `semver` ----------
function versionUnderContract(version: string): boolean {
  if (!/^v?[0-9A-Za-z.-]+$/.test(version)) return false;
  const core = version.startsWith('v') ? version.slice(1) : version;
  const dash = core.indexOf('-');
  const main = dash < 0 ? core : core.slice(0, dash);
  const pre = dash < 0 ? '' : core.slice(dash);
  const numbers = main.split('.');
  if (numbers.length !== 2 && numbers.length !== 3) return false;
  const normalized = `${numbers.length === 2 ? `${main}.0` : main}${pre}`;
  return semver.valid(normalized) === normalized;
}

function releasesUnderContract(
  tag: string,
): { environment: string; scope: string; team: string } | undefined {
  if (tag.length > 200) return undefined; // the implementation's documented bound on tag length
  const parts = tag.split('/');
  if (parts.length !== 3) return undefined;
  const [head, team, version] = parts as [string, string, string];
  const underscore = head.indexOf('_');
  if (underscore < 0) return undefined;
  const environment = head.slice(0, underscore);
  const scope = head.slice(underscore + 1);
  const env = config.environments.find((e) => e.environment === environment);
  if (env === undefined) return undefined;
  if (scope !== 'global' && !(env.regions as readonly string[]).includes(scope)) return undefined;
  if (!Object.prototype.hasOwnProperty.call(env.teams, team)) return undefined;
  if (!versionUnderContract(version)) return undefined;
  return { environment, scope, team };
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

/** Commit ids: mostly commits on main, some elsewhere, some not commits at all, some malformed or missing. */
const commitId = fc.oneof(
  { weight: 12, arbitrary: fc.stringMatching(/^[0-9a-f]{40}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...OFF_MAIN) },
  { weight: 2, arbitrary: fc.constantFrom(...NOT_COMMITS) },
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
/** Codes of the tag grammar and resolution (the oracle predicts "a tag rejection", not which one). */
const TAG_CODES = new Set([
  'not-a-string',
  'empty',
  'too-long',
  'bad-character',
  'bad-shape',
  'bad-environment',
  'bad-scope',
  'bad-team',
  'bad-version',
  'unknown-environment',
  'unknown-region',
  'unknown-team',
]);

type Expected =
  | { readonly kind: 'ignore' }
  | { readonly kind: 'start'; readonly pipeline: string }
  | { readonly kind: 'reject'; readonly code: string };

/** What a first push of `input` must do, by the oracle (no history). */
function expectation(input: unknown): Expected {
  const ignore = { kind: 'ignore' } as const;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return ignore;
  const e = input as Record<string, unknown>;
  const d = e.detail as Record<string, unknown> | undefined;
  if (e.source !== 'aws.codecommit' || e['detail-type'] !== 'CodeCommit Repository State Change')
    return ignore;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return ignore;
  if (typeof d.event !== 'string' || typeof d.repositoryName !== 'string') return ignore;
  if (typeof d.referenceType !== 'string' || typeof d.referenceName !== 'string') return ignore;
  if (d.repositoryName !== 'infra' || d.referenceType !== 'tag') return ignore;
  if (d.event === 'referenceUpdated') return { kind: 'reject', code: 'moved-tag' };
  if (d.event !== 'referenceCreated') return ignore;
  const release = releasesUnderContract(d.referenceName);
  if (release === undefined) return { kind: 'reject', code: 'tag' };
  if (typeof d.commitId !== 'string' || !/^[0-9a-f]{40}$/.test(d.commitId))
    return { kind: 'reject', code: 'missing-commit' };
  if (NOT_COMMITS.includes(d.commitId)) return { kind: 'reject', code: 'not-a-commit' };
  if (OFF_MAIN.includes(d.commitId)) return { kind: 'reject', code: 'not-on-main' };
  const from = PROMOTED_FROM[release.environment];
  if (from !== undefined && !appliedInSource(d.commitId)) return { kind: 'reject', code: 'not-promoted' };
  const pipeline = `tfpf-${release.environment}`;
  if (!DEPLOYED.has(pipeline)) return { kind: 'reject', code: 'pipeline-not-found' };
  return { kind: 'start', pipeline };
}

/**
 * The promotion gate: prod releases only a commit applied in staging. Before each sample, the staging records of
 * the sample's team and scope say its commit was applied (an applied-commit record) when the commit starts with 0-7
 * (half of the random commits); the deployment record's last apply is another commit either way.
 */
const PROMOTED_FROM: Readonly<Record<string, string>> = { prod: 'staging' };
const appliedInSource = (commit: string): boolean => /^[0-7]/.test(commit);

function seedPromotionSource(input: unknown): void {
  const d = (input as { detail?: { referenceName?: unknown; commitId?: unknown } } | null)?.detail;
  if (typeof d?.referenceName !== 'string' || typeof d.commitId !== 'string') return;
  const release = releasesUnderContract(d.referenceName);
  const from = release === undefined ? undefined : PROMOTED_FROM[release.environment];
  if (release === undefined || from === undefined) return;
  const pk = `deployment#${from}#${release.scope}#${release.team}`;
  table.items.set(pk, {
    pk: { S: pk },
    kind: { S: 'deployment' },
    environment: { S: from },
    scope: { S: release.scope },
    team: { S: release.team },
    state: { S: 'applied' },
    appliedTag: { S: `${from}_${release.scope}/${release.team}/1.0.0` },
    appliedVersion: { S: '1.0.0' },
    appliedCommit: { S: PRIOR_COMMIT },
    appliedExecutionId: { S: 'exec-staging' },
    appliedAt: { N: String(T0 - DAY_MS) },
  });
  if (!appliedInSource(d.commitId)) return;
  const appliedPk = `applied#${from}#${release.scope}#${release.team}#${d.commitId}`;
  table.items.set(appliedPk, {
    pk: { S: appliedPk },
    kind: { S: 'applied' },
    environment: { S: from },
    scope: { S: release.scope },
    team: { S: release.team },
    tag: { S: `${from}_${release.scope}/${release.team}/1.0.0` },
    version: { S: '1.0.0' },
    commit: { S: d.commitId },
    executionId: { S: 'exec-staging' },
    appliedAt: { N: String(T0 - DAY_MS) },
  });
}

type Scenario = 'first' | 'duplicate' | 'busy' | 'reused' | 'released';
const scenario: fc.Arbitrary<Scenario> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('first' as const) },
  { weight: 1, arbitrary: fc.constant('duplicate' as const) },
  { weight: 1, arbitrary: fc.constant('busy' as const) },
  { weight: 1, arbitrary: fc.constant('reused' as const) },
  { weight: 1, arbitrary: fc.constant('released' as const) },
);

/** Branch → samples that ended there (printed and checked after the properties). */
const hits = new Map<string, number>();
const hit = (branch: string): void => void hits.set(branch, (hits.get(branch) ?? 0) + 1);

function withCommit(input: unknown, commitId: string): unknown {
  const e = input as { detail: Record<string, unknown> };
  return { ...e, detail: { ...e.detail, commitId } };
}

/** Checks the last invocation's side effects and outcome against `expected`; returns the branch reached. */
function checkOutcome(input: unknown, outcome: ReleaseOutcome, expected: Expected): string {
  const starts = codepipeline.commandCalls(StartPipelineExecutionCommand);
  const published = sns.commandCalls(PublishCommand);
  const emitted = events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]?.DetailType);
  if (expected.kind === 'start') {
    expect(outcome.status).toBe('started');
    expect(starts).toHaveLength(1);
    const d = (input as { detail: { referenceName: string; commitId: string } }).detail;
    const start = starts[0]!.args[0].input;
    expect(start.name).toBe(expected.pipeline);
    expect(start.sourceRevisions).toEqual([
      { actionName: 'Source', revisionType: 'COMMIT_ID', revisionValue: d.commitId },
    ]);
    expect(start.variables).toContainEqual({ name: 'RELEASE_TAG', value: d.referenceName });
    expect(start.variables).toContainEqual({ name: 'COMMIT_ID', value: d.commitId });
    expect(emitted).toEqual(['Release Started']);
    expect(published).toHaveLength(0);
    return 'started';
  }
  // A pipeline-not-found rejection tried to start (and found no pipeline); every other outcome tries nothing.
  const tried = expected.kind === 'reject' && expected.code === 'pipeline-not-found' ? 1 : 0;
  expect(starts).toHaveLength(tried);
  if (expected.kind === 'ignore') {
    expect(outcome.status).toBe('ignored');
    expect(published).toHaveLength(0);
    expect(emitted).toEqual([]);
    return 'ignored';
  }
  expect(outcome.status).toBe('rejected');
  const code = (outcome as { code: string }).code;
  if (expected.code === 'tag') expect(TAG_CODES.has(code)).toBe(true);
  else expect(code).toBe(expected.code);
  expect(published).toHaveLength(1);
  expect(published[0]!.args[0].input.MessageAttributes?.code?.StringValue).toBe(code);
  expect(emitted).toEqual(['Release Rejected']);
  return expected.code === 'tag' ? 'tag-rejected' : code;
}

async function checkSample([input, story]: [unknown, Scenario]): Promise<void> {
  table.items.clear();
  seedPromotionSource(input);
  nowMs = T0;
  resetHistories();
  const first = expectation(input);
  const decidable = first.kind !== 'ignore';

  if (story === 'duplicate' || story === 'released') {
    const outcome = await handle(input);
    checkOutcome(input, outcome, first);
    resetHistories();
    if (story === 'duplicate') {
      const again = await handle(input);
      expect(codepipeline.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
      if (!decidable) return void hit(checkOutcome(input, again, first));
      expect(again).toMatchObject({
        status: 'duplicate',
        outcome: first.kind === 'start' ? 'started' : 'rejected',
      });
      return void hit('duplicate');
    }
    // Pushed again once the event item expired (DynamoDB TTL): a started release is remembered for good.
    nowMs = T0 + 31 * DAY_MS;
    table.expire(Math.floor(nowMs / 1000));
    const again = await handle(input);
    const expected: Expected = first.kind === 'start' ? { kind: 'reject', code: 'already-released' } : first;
    return void hit(checkOutcome(input, again, expected));
  }

  if (story === 'busy' && decidable) {
    const read = readReferenceEvent(input);
    if (typeof read === 'string') throw new Error(read);
    await otherInvocation.claim(ledgerKey(read), { tag: read.referenceName, commit: '', event: read.event });
    await expect(handle(input)).rejects.toBeInstanceOf(ReleaseInProgressError);
    expect(codepipeline.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    return void hit('busy');
  }

  if (story === 'reused' && (first.kind === 'start' || first.kind === 'reject')) {
    const d = (input as { detail: { commitId?: unknown } }).detail;
    const prior = withCommit(input, PRIOR_COMMIT);
    await handle(prior); // the same tag name, first pushed on another commit of main
    resetHistories();
    const outcome = await handle(input);
    // The tag name is reserved for the commit it was first pushed on, whether that release started or not.
    // In a promoted environment the gate comes first: the prior push (its commit not the one applied in the source)
    // or this one is refused before the name is reserved.
    const tag = (input as { detail: { referenceName: string } }).detail.referenceName;
    const promoted = PROMOTED_FROM[releasesUnderContract(tag)?.environment ?? ''] !== undefined;
    const reachesReservation =
      !promoted &&
      (first.kind === 'start' || (first.kind === 'reject' && first.code === 'pipeline-not-found'));
    const expected: Expected =
      reachesReservation && d.commitId !== PRIOR_COMMIT ? { kind: 'reject', code: 'reused-tag' } : first;
    if (expected.kind === 'reject' && expected.code === 'reused-tag') {
      expect(codepipeline.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
      expect(outcome).toMatchObject({
        status: 'rejected',
        code: 'reused-tag',
        reason: expect.stringContaining(`was already pushed on commit ${PRIOR_COMMIT}`),
      });
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
      return void hit('reused-tag');
    }
    return void hit(checkOutcome(input, outcome, expected));
  }

  hit(checkOutcome(input, await handle(input), first));
}

describe('fuzz: tag handler on random and mutated events, in scenarios, with a stateful ledger', () => {
  test(`mutated and valid tags in well-formed events (${RUNS_PER_PROPERTY} runs)`, async () => {
    await fc.assert(fc.asyncProperty(fc.tuple(tagEvent, scenario), checkSample), {
      numRuns: RUNS_PER_PROPERTY,
      seed: SEED,
    });
  });

  test(`structurally random inputs (${RUNS_PER_PROPERTY} runs)`, async () => {
    await fc.assert(fc.asyncProperty(fc.tuple(randomInput, scenario), checkSample), {
      numRuns: RUNS_PER_PROPERTY,
      seed: SEED + 1,
    });
  });

  // Catches: a fuzz whose samples never reach a branch (the former one reached none of the stateful ones).
  test(`every branch was reached at least ${MIN_HITS} times`, () => {
    const table = Object.fromEntries([...hits.entries()].sort(([a], [b]) => a.localeCompare(b)));
    console.log(`release handler fuzz (seed ${SEED}): samples per branch ${JSON.stringify(table)}`);
    for (const branch of [
      'started',
      'ignored',
      'tag-rejected',
      'moved-tag',
      'missing-commit',
      'duplicate',
      'busy',
      'not-on-main',
      'not-a-commit',
      'reused-tag',
      'already-released',
      'pipeline-not-found',
      'not-promoted',
    ]) {
      expect({ branch, enough: (hits.get(branch) ?? 0) >= MIN_HITS }).toEqual({ branch, enough: true });
    }
  });
});
