import { CodeCommitClient, GetBranchCommand, GetMergeOptionsCommand } from '@aws-sdk/client-codecommit';
import {
  CodePipelineClient,
  CreatePipelineCommand,
  GetPipelineExecutionCommand,
  type StartPipelineExecutionInput,
} from '@aws-sdk/client-codepipeline';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { ExecutionRegistration } from '../../src/deployment/deployment-record';
import { DeploymentStore } from '../../src/deployment/deployment-store';
import { ANCESTRY_WALK_MAX_COMMITS } from '../../src/trigger/commit-checks';
import { clientRequestToken, ledgerKey, readReferenceEvent } from '../../src/trigger/release-decision';
import { createReleaseHandler, type ReleaseHandler } from '../../src/trigger/release-handler';
import { ReleaseInProgressError, ReleaseLedger, tagNameKey } from '../../src/trigger/release-ledger';
import {
  createQueue,
  createServiceRole,
  listPipelineExecutionIds,
  receive,
  receiveUntil,
} from '../support/aws-raw';
import { useMotoServer, type MotoClientConfig } from '../support/moto';
import { CALLER, COMMIT, defaultConfig, MAIN_HEAD, OTHER_COMMIT, referenceEvent } from './fixtures';
import { fakeCodeCommit } from './harness';

/**
 * The tag handler end to end against moto (server mode): the pipelines, StartPipelineExecution and the executions'
 * variables (moto ≥ 5.2.5 implements them), the SNS failure topic (read through an SQS subscription), the "tfpf"
 * events on the default bus (read through a rule with an SQS target) and the DynamoDB release ledger with its
 * conditional writes. moto ignores `sourceRevisions` and `clientRequestToken` (it starts a new execution on every
 * call), so those are checked on the request the SDK really sent (a capturing middleware). moto has no CodeCommit
 * GetCommit/GetBranch/GetMergeOptions: CodeCommit is mocked with aws-sdk-client-mock (harness.ts).
 */

const moto = useMotoServer();
const config = defaultConfig();
const codecommitMock = mockClient(CodeCommitClient);
const PENDING_TIMEOUT_SECONDS = 60;
/** Pipelines created in moto; tfpf-staging is left out on purpose (an environment whose stack is not deployed). */
const DEPLOYED = ['dev', 'qa', 'prod'];

/** The part of an SDK client's middleware stack the tests use (typed once for every client). */
interface InstrumentableStack {
  add(
    middleware: (
      next: (args: { input: object }) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: { input: object }) => Promise<unknown>,
    options: { step: 'finalizeRequest'; name: string; priority: 'low' },
  ): void;
}

interface SentCall {
  readonly command: string;
  readonly input: unknown;
}

interface World {
  readonly handle: ReleaseHandler;
  readonly moto: MotoClientConfig;
  readonly codepipeline: CodePipelineClient;
  readonly pipelineRole: string;
  readonly dynamodb: DynamoDBClient;
  readonly deployments: DeploymentStore;
  readonly sent: SentCall[];
  readonly notificationsQueue: string;
  readonly eventsQueue: string;
  /**
   * Fails the next `count` attempts of `command` on `client` with `name` (inside the SDK's retry loop: the SDK makes
   * 3 attempts for throttling and server errors before it gives up).
   */
  failNext(
    client: 'codepipeline' | 'dynamodb' | 'events',
    command: string,
    name: string,
    count?: number,
    when?: (input: Record<string, unknown>) => boolean,
  ): void;
  /** Stops every injected failure. */
  clearFailures(): void;
  /** Moves the ledger clock. */
  advance(seconds: number): void;
  /** The ledger clock in seconds. */
  nowSeconds(): number;
}

let world: World;

/** Creates the pipeline of `env` in moto (CodePipeline V2, source action "Source", as the stacks build them). */
async function createPipeline(
  on: { codepipeline: CodePipelineClient; pipelineRole: string },
  env: string,
): Promise<void> {
  const { codepipeline, pipelineRole: role } = on;
  await codepipeline.send(
    new CreatePipelineCommand({
      pipeline: {
        name: `tfpf-${env}`,
        roleArn: role,
        pipelineType: 'V2',
        executionMode: 'PARALLEL',
        artifactStore: { type: 'S3', location: 'tfpf-artifacts' },
        variables: [
          'RELEASE_TAG',
          'ENVIRONMENT',
          'REGION',
          'TARGET_REGION',
          'TEAM',
          'VERSION',
          'STATE_KEY',
          'TARGET_ACCOUNT',
          'COMMIT_ID',
          ...(env === 'prod' ? ['PROMOTED_FROM'] : []),
        ].map((name) => ({ name, defaultValue: 'unset' })),
        stages: [
          {
            name: 'Source',
            actions: [
              {
                name: 'Source',
                actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
                outputArtifacts: [{ name: 'Source' }],
                configuration: {
                  RepositoryName: 'infra',
                  BranchName: 'main',
                  PollForSourceChanges: 'false',
                },
              },
            ],
          },
          {
            name: 'Checks',
            actions: [
              {
                name: 'plan',
                actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
                inputArtifacts: [{ name: 'Source' }],
                configuration: { ProjectName: `tfpf-${env}-plan` },
              },
            ],
          },
        ],
      },
    }),
  );
}

async function createWorld(): Promise<World> {
  const cfg = moto.clientConfig();
  let nowMs = Date.UTC(2026, 10, 20, 10, 0, 0);
  const sent: SentCall[] = [];
  const failures: {
    client: string;
    command: string;
    name: string;
    remaining: number;
    when?: (input: Record<string, unknown>) => boolean;
  }[] = [];

  const codepipeline = new CodePipelineClient(cfg);
  const dynamodb = new DynamoDBClient(cfg);
  const sns = new SNSClient(cfg);
  const events = new EventBridgeClient(cfg);
  const instrument = (label: string, client: { middlewareStack: unknown }): void => {
    (client.middlewareStack as InstrumentableStack).add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (label === 'codepipeline') sent.push({ command, input: structuredClone(args.input) });
        const failure = failures.find(
          (f) =>
            f.client === label &&
            f.command === command &&
            f.remaining > 0 &&
            (f.when === undefined || f.when(args.input as Record<string, unknown>)),
        );
        if (failure !== undefined) {
          failure.remaining -= 1;
          const throttling = failure.name === 'ThrottlingException';
          throw Object.assign(new Error(`injected ${failure.name}`), {
            name: failure.name,
            $fault: throttling ? 'client' : 'server',
            $metadata: { httpStatusCode: throttling ? 400 : 500 },
          });
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: `tfpfTestInstrument-${label}`, priority: 'low' },
    );
  };
  instrument('codepipeline', codepipeline);
  instrument('dynamodb', dynamodb);
  instrument('events', events);

  // Pipelines (CodePipeline V2 with a source action named "Source", as the stacks build them).
  const role = await createServiceRole(cfg, 'tfpf-pipeline', 'codepipeline.amazonaws.com');
  for (const env of DEPLOYED) await createPipeline({ codepipeline, pipelineRole: role }, env);

  // Release ledger table, as the construct creates it.
  await dynamodb.send(
    new CreateTableCommand({
      TableName: 'ledger',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );

  // Failure topic, read through an SQS subscription.
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'tfpf-failures' }));
  const notifications = await createQueue(cfg, 'notifications');
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: notifications.arn }));

  // "tfpf" events on the default bus, read through a rule with an SQS target.
  const tfpfEvents = await createQueue(cfg, 'tfpf-events');
  await events.send(
    new PutRuleCommand({ Name: 'tfpf-events', EventPattern: JSON.stringify({ source: ['tfpf'] }) }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'tfpf-events', Targets: [{ Id: 'queue', Arn: tfpfEvents.arn }] }),
  );

  const deployments = new DeploymentStore(dynamodb, 'ledger', () => nowMs);
  const handle = createReleaseHandler({
    config,
    codecommit: new CodeCommitClient(cfg),
    codepipeline,
    sns,
    events,
    ledger: new ReleaseLedger(dynamodb, {
      tableName: 'ledger',
      pendingTimeoutSeconds: PENDING_TIMEOUT_SECONDS,
      retentionDays: 30,
      now: () => nowMs,
    }),
    deployments,
    failureTopicArn: TopicArn!,
    now: () => nowMs,
    log: () => undefined,
  });
  return {
    handle,
    moto: cfg,
    codepipeline,
    pipelineRole: role,
    dynamodb,
    deployments,
    sent,
    notificationsQueue: notifications.url,
    eventsQueue: tfpfEvents.url,
    failNext: (client, command, name, count = 1, when) =>
      failures.push({ client, command, name, remaining: count, when }),
    clearFailures: () => failures.splice(0),
    advance: (seconds) => {
      nowMs += seconds * 1000;
    },
    nowSeconds: () => Math.floor(nowMs / 1000),
  };
}

beforeEach(async () => {
  await moto.reset();
  codecommitMock.reset();
  fakeCodeCommit(codecommitMock, {
    onMain: (id) => id !== OTHER_COMMIT,
    notCommits: new Set(['7'.repeat(40)]),
  });
  world = await createWorld();
});

// ---- reading what happened ----------------------------------------------------------------------------------------
async function executions(env: string): Promise<{ id: string; variables: Record<string, string> }[]> {
  const out = [];
  for (const id of await listPipelineExecutionIds(world.moto, `tfpf-${env}`)) {
    const { pipelineExecution } = await world.codepipeline.send(
      new GetPipelineExecutionCommand({ pipelineName: `tfpf-${env}`, pipelineExecutionId: id }),
    );
    out.push({
      id,
      variables: Object.fromEntries(
        (pipelineExecution?.variables ?? []).map((v) => [v.name!, v.resolvedValue!]),
      ),
    });
  }
  return out;
}

async function allExecutions(): Promise<number> {
  let count = 0;
  for (const env of DEPLOYED) count += (await executions(env)).length;
  return count;
}

function starts(): StartPipelineExecutionInput[] {
  return world.sent
    .filter((c) => c.command === 'StartPipelineExecutionCommand')
    .map((c) => c.input as StartPipelineExecutionInput);
}

/** Release events (detail-type + detail) put on the default bus; waits (bounded) for `expected` of them. */
async function releaseEvents(expected: number): Promise<{ type: string; detail: Record<string, unknown> }[]> {
  const bodies = await receiveUntil(world.moto, world.eventsQueue, (all) => all.length >= expected, {
    settleMs: expected === 0 ? 600 : 300,
  });
  return bodies.map((b) => {
    const event = JSON.parse(b) as { 'detail-type': string; source: string; detail: Record<string, unknown> };
    expect(event.source).toBe('tfpf');
    return { type: event['detail-type'], detail: event.detail };
  });
}

/** SNS notifications on the failure topic; waits (bounded) for `expected` of them. */
async function notifications(expected: number): Promise<{ subject: string; message: string }[]> {
  const bodies = await receiveUntil(world.moto, world.notificationsQueue, (all) => all.length >= expected, {
    settleMs: expected === 0 ? 600 : 300,
  });
  return bodies.map((b) => {
    const envelope = JSON.parse(b) as { Subject: string; Message: string };
    return { subject: envelope.Subject, message: envelope.Message };
  });
}

async function ledgerItem(event: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const read = readReferenceEvent(event);
  if (typeof read === 'string') throw new Error(read);
  const { Item } = await world.dynamodb.send(
    new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: ledgerKey(read) } } }),
  );
  return Item;
}

/**
 * What DynamoDB's TTL does (moto does not run it): deletes every ledger item whose `expiresAt` has passed on the
 * ledger clock. Returns the number of items deleted.
 */
async function expireLedger(): Promise<number> {
  const { Items = [] } = await world.dynamodb.send(
    new ScanCommand({ TableName: 'ledger', ConsistentRead: true }),
  );
  let deleted = 0;
  for (const item of Items) {
    const expiresAt = item.expiresAt?.N;
    if (expiresAt !== undefined && Number(expiresAt) <= world.nowSeconds()) {
      await world.dynamodb.send(new DeleteItemCommand({ TableName: 'ledger', Key: { pk: item.pk! } }));
      deleted += 1;
    }
  }
  return deleted;
}

/**
 * Records a staging release of `commit` that applied at `appliedAt`, the way the deployment recorder does (the
 * store's own conditional writes); returns its registration.
 */
async function appliedInStaging(
  team: string,
  scope: string,
  commit: string,
  version: string,
  appliedAt: number,
): Promise<ExecutionRegistration> {
  const registration: ExecutionRegistration = {
    environment: 'staging',
    scope,
    team,
    executionId: `staging-${team}-${scope}-${version}`,
    pipelineName: 'tfpf-staging',
    stateKey: `${team}/staging-${scope}/terraform.tfstate`,
    tag: `staging_${scope}/${team}/${version}`,
    version,
    commit,
    startedAt: appliedAt - 600_000,
  };
  await world.deployments.registerExecution(registration);
  await world.deployments.recordTransition(registration, { state: 'applied', at: appliedAt, progress: 4 });
  await world.deployments.recordApplied(registration, appliedAt);
  return registration;
}

// ---- releases -----------------------------------------------------------------------------------------------------
describe('a valid tag starts its environment pipeline on exactly the tagged commit (moto CodePipeline)', () => {
  test('tag pushed → that environment’s pipeline started on that commit with those variables', async () => {
    const event = referenceEvent({ name: 'dev_eu-central-1/research/1.4.0' });

    const outcome = await world.handle(event);

    const [execution, ...more] = await executions('dev');
    expect(more).toHaveLength(0);
    expect(outcome).toEqual({ status: 'started', pipeline: 'tfpf-dev', executionId: execution!.id });
    expect(execution!.variables).toEqual({
      RELEASE_TAG: 'dev_eu-central-1/research/1.4.0',
      ENVIRONMENT: 'dev',
      REGION: 'eu-central-1',
      TARGET_REGION: 'eu-central-1',
      TEAM: 'research',
      VERSION: '1.4.0',
      STATE_KEY: 'research/dev-eu-central-1/terraform.tfstate',
      TARGET_ACCOUNT: '111111111111',
      COMMIT_ID: COMMIT,
    });
    expect(await allExecutions()).toBe(1); // no other pipeline started
    // moto ignores these two: checked on the request sent.
    expect(starts()).toEqual([
      expect.objectContaining({
        name: 'tfpf-dev',
        sourceRevisions: [{ actionName: 'Source', revisionType: 'COMMIT_ID', revisionValue: COMMIT }],
        clientRequestToken: clientRequestToken('dev_eu-central-1/research/1.4.0', COMMIT),
      }),
    ]);
    expect(starts()[0]!.clientRequestToken).toMatch(/^[a-zA-Z0-9-]{1,128}$/);
    expect(await releaseEvents(1)).toEqual([
      {
        type: 'Release Started',
        detail: expect.objectContaining({
          tag: 'dev_eu-central-1/research/1.4.0',
          commit: COMMIT,
          callerUserArn: CALLER,
          pipeline: 'tfpf-dev',
          executionId: execution!.id,
        }),
      },
    ]);
    expect(await notifications(0)).toEqual([]);
    expect(await ledgerItem(event)).toMatchObject({
      state: { S: 'done' },
      executionId: { S: execution!.id },
    });
  });

  test('a global tag runs the prod pipeline against the factory globalRegion', async () => {
    await appliedInStaging('risk', 'global', COMMIT, '2.0.0-rc.1', Date.UTC(2026, 10, 19, 10, 0, 0));
    await world.handle(referenceEvent({ name: 'prod_global/risk/v2.0.0-rc.1' }));
    const [execution] = await executions('prod');
    expect(execution!.variables).toMatchObject({
      REGION: 'global',
      TARGET_REGION: 'us-east-1',
      STATE_KEY: 'risk/prod-global/terraform.tfstate',
      TARGET_ACCOUNT: '222222222225',
      VERSION: 'v2.0.0-rc.1',
    });
  });

  test('two tags on the same commit are two releases', async () => {
    await world.handle(referenceEvent({ name: 'qa_us-east-1/risk/1.0' }));
    await world.handle(referenceEvent({ name: 'qa_eu-central-1/risk/1.0' }));
    expect((await executions('qa')).map((e) => e.variables.REGION).sort()).toEqual([
      'eu-central-1',
      'us-east-1',
    ]);
  });
});

describe('promotion gate: prod releases only a commit staging applied, same team and scope (moto DynamoDB)', () => {
  const PROD_TAG = 'prod_eu-central-1/research/1.4.0';
  const APPLIED_AT = Date.UTC(2026, 10, 19, 10, 0, 0);
  const GUIDANCE =
    'prod releases only what staging runs: release this commit to staging first (a staging_eu-central-1/research/<version> tag), then push a new prod tag';

  test('the commit applied in staging for research/eu-central-1 starts prod, and the approval is told where and when', async () => {
    const staging = await appliedInStaging('research', 'eu-central-1', COMMIT, '1.4.0', APPLIED_AT);
    const outcome = await world.handle(referenceEvent({ name: PROD_TAG }));
    const [execution] = await executions('prod');
    expect(outcome).toEqual({ status: 'started', pipeline: 'tfpf-prod', executionId: execution!.id });
    expect(execution!.variables.PROMOTED_FROM).toBe(
      `staging on 2026-11-19T10:00:00.000Z (execution ${staging.executionId})`,
    );
    expect(await notifications(0)).toEqual([]);
  });

  test('a later staging execution that failed leaves the last apply, which still promotes', async () => {
    const staging = await appliedInStaging('research', 'eu-central-1', COMMIT, '1.4.0', APPLIED_AT);
    const failed = {
      ...staging,
      executionId: 'staging-later',
      commit: OTHER_COMMIT,
      startedAt: APPLIED_AT + 1000,
    };
    await world.deployments.registerExecution(failed);
    await world.deployments.recordTransition(failed, {
      state: 'failed',
      at: APPLIED_AT + 60_000,
      progress: 4,
    });
    await expect(world.handle(referenceEvent({ name: PROD_TAG }))).resolves.toMatchObject({
      status: 'started',
    });
  });

  test('a commit staging applied and has since moved past still promotes (a hotfix of an older release)', async () => {
    const staging = await appliedInStaging('research', 'eu-central-1', COMMIT, '1.4.0', APPLIED_AT);
    await appliedInStaging('research', 'eu-central-1', OTHER_COMMIT, '1.5.0', APPLIED_AT + 86400_000);
    const outcome = await world.handle(referenceEvent({ name: PROD_TAG }));
    const [execution] = await executions('prod');
    expect(outcome).toEqual({ status: 'started', pipeline: 'tfpf-prod', executionId: execution!.id });
    expect(execution!.variables.PROMOTED_FROM).toBe(
      `staging on 2026-11-19T10:00:00.000Z (execution ${staging.executionId})`,
    );
  });

  test('never applied in staging: rejected with not-promoted, nothing started', async () => {
    await expectRejected(
      referenceEvent({ name: PROD_TAG }),
      'not-promoted',
      new RegExp(
        escape(
          `commit a1b2c3d has not been applied in staging for research/eu-central-1; nothing has been applied there yet. ${GUIDANCE}`,
        ),
      ),
    );
  });

  test('applied in staging by another team only: rejected', async () => {
    await appliedInStaging('risk', 'eu-central-1', COMMIT, '1.4.0', APPLIED_AT);
    await expect(world.handle(referenceEvent({ name: PROD_TAG }))).resolves.toEqual({
      status: 'rejected',
      code: 'not-promoted',
      reason: `commit a1b2c3d has not been applied in staging for research/eu-central-1; nothing has been applied there yet. ${GUIDANCE}`,
    });
    expect(await allExecutions()).toBe(0);
  });

  test('applied in staging in another region, while this region runs an older commit: rejected, naming the last apply', async () => {
    await appliedInStaging('research', 'us-east-1', COMMIT, '1.4.0', APPLIED_AT);
    await appliedInStaging('research', 'eu-central-1', MAIN_HEAD, '1.3.0', APPLIED_AT - 86400_000);
    await expectRejected(
      referenceEvent({ name: PROD_TAG }),
      'not-promoted',
      new RegExp(
        escape(
          `commit a1b2c3d has not been applied in staging for research/eu-central-1; last applied there: staging_eu-central-1/research/1.3.0 at 0000111 on 2026-11-18T10:00:00.000Z. ${GUIDANCE}`,
        ),
      ),
    );
  });

  test('an environment without promotion is not gated, and every started execution is registered', async () => {
    const outcome = await world.handle(referenceEvent({ name: 'qa_eu-central-1/research/1.4.0' }));
    expect(outcome).toMatchObject({ status: 'started' });
    const executionId = (outcome as { executionId: string }).executionId;
    expect(await world.deployments.execution(executionId)).toEqual({
      environment: 'qa',
      scope: 'eu-central-1',
      team: 'research',
      executionId,
      pipelineName: 'tfpf-qa',
      stateKey: 'research/qa-eu-central-1/terraform.tfstate',
      tag: 'qa_eu-central-1/research/1.4.0',
      version: '1.4.0',
      commit: COMMIT,
      tagger: CALLER,
      startedAt: Date.UTC(2026, 10, 20, 10, 0, 0),
    });
    const [execution] = await executions('qa');
    expect(execution!.variables.PROMOTED_FROM).toBeUndefined();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('idempotency (moto DynamoDB ledger with conditional writes)', () => {
  test('a duplicate delivery of the same event starts nothing new and announces nothing twice', async () => {
    const event = referenceEvent();
    const first = await world.handle(event);
    const second = await world.handle({ ...event, id: 'another-delivery-id' });

    expect(first.status).toBe('started');
    expect(second).toEqual({
      status: 'duplicate',
      outcome: 'started',
      executionId: (first as { executionId: string }).executionId,
    });
    expect(await allExecutions()).toBe(1);
    expect(starts()).toHaveLength(1);
    expect((await releaseEvents(2)).map((e) => e.type)).toEqual(['Release Started']);
  });

  test('concurrent duplicates: one starts, the other backs off (retried later) and then finds it done', async () => {
    const event = referenceEvent();
    const results = await Promise.allSettled([world.handle(event), world.handle(event)]);
    const started = results.filter((r) => r.status === 'fulfilled' && r.value.status === 'started');
    const others = results.filter((r) => !(r.status === 'fulfilled' && r.value.status === 'started'));
    expect(started).toHaveLength(1);
    for (const r of others) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ReleaseInProgressError);
      else expect(r.value.status).toBe('duplicate');
    }
    await expect(world.handle(event)).resolves.toMatchObject({ status: 'duplicate' }); // the Lambda retry
    expect(await allExecutions()).toBe(1);
  });

  test('a crash after StartPipelineExecution, before the ledger update: the retry waits, then resumes with the same token', async () => {
    const event = referenceEvent();
    world.failNext('dynamodb', 'UpdateItemCommand', 'InternalServerError', Infinity); // every SDK attempt fails
    await expect(world.handle(event)).rejects.toThrow(/InternalServerError/);
    world.clearFailures();
    expect(starts()).toHaveLength(1);

    // An immediate retry finds the claim fresh: somebody may still be working on it.
    await expect(world.handle(event)).rejects.toBeInstanceOf(ReleaseInProgressError);

    // After the pending timeout the claim is abandoned: the retry takes it over and re-sends the same request.
    world.advance(PENDING_TIMEOUT_SECONDS + 1);
    const outcome = await world.handle(event);
    expect(outcome.status).toBe('started');
    expect(starts()).toHaveLength(2);
    expect(starts()[1]!.clientRequestToken).toBe(starts()[0]!.clientRequestToken);
    // moto does not deduplicate by clientRequestToken (real CodePipeline's semantics are undocumented): this is
    // the one window where a second execution can exist; the ledger records the execution that was announced.
    expect((await releaseEvents(1)).map((e) => e.type)).toEqual(['Release Started']);
    await expect(world.handle(event)).resolves.toMatchObject({ status: 'duplicate' });
  });

  test('a crash after the start was recorded, before it was announced: the retry only announces it', async () => {
    const event = referenceEvent();
    world.failNext('events', 'PutEventsCommand', 'InternalException', 3);
    await expect(world.handle(event)).rejects.toThrow(/InternalException/);
    const [execution] = await executions('dev');
    expect(await ledgerItem(event)).toMatchObject({
      state: { S: 'started' },
      executionId: { S: execution!.id },
    });

    world.advance(PENDING_TIMEOUT_SECONDS + 1);
    await expect(world.handle(event)).resolves.toEqual({
      status: 'started',
      pipeline: 'tfpf-dev',
      executionId: execution!.id,
    });
    expect(starts()).toHaveLength(1); // not started again
    expect(await releaseEvents(1)).toEqual([
      { type: 'Release Started', detail: expect.objectContaining({ executionId: execution!.id }) },
    ]);
  });
});

// ---- rejections ---------------------------------------------------------------------------------------------------
/** The handler rejects `event` with `code`, starts nothing, and tells the tagger once (SNS + event). */
async function expectRejected(
  event: Record<string, unknown>,
  code: string,
  reason: RegExp,
  executionsBefore = 0,
): Promise<void> {
  await expect(world.handle(event)).resolves.toMatchObject({ status: 'rejected', code });
  expect(await allExecutions()).toBe(executionsBefore);
  const detail = (event as { detail: { referenceName: string; commitId?: string } }).detail;
  const [note, ...moreNotes] = await notifications(1);
  expect(moreNotes).toHaveLength(0);
  expect(note!.subject).toBe(`tfpf: release tag rejected (${code})`);
  expect(note!.message).toContain(`Tag:        ${JSON.stringify(detail.referenceName)}`);
  expect(note!.message).toContain(CALLER);
  expect(note!.message).toMatch(reason);
  if (detail.commitId !== undefined) expect(note!.message).toContain(detail.commitId);
  expect(await releaseEvents(1)).toEqual([
    {
      type: 'Release Rejected',
      detail: expect.objectContaining({
        tag: detail.referenceName,
        commit: detail.commitId,
        callerUserArn: CALLER,
        code,
        reason: expect.stringMatching(reason),
      }),
    },
  ]);
}

describe('rejections notify the failure topic and put a "Release Rejected" event (moto SNS + EventBridge)', () => {
  test('unknown region', async () => {
    await expectRejected(
      referenceEvent({ name: 'dev_eu-west-3/research/1.0' }),
      'unknown-region',
      /region eu-west-3 is not configured for dev/,
    );
  });

  test('unknown team', async () => {
    await expectRejected(
      referenceEvent({ name: 'dev_eu-central-1/reserch/1.0' }),
      'unknown-team',
      /team "reserch" is not configured.*did you mean "research"/,
    );
  });

  test('unknown environment (delivered directly: the rules only deliver configured "<env>_" prefixes)', async () => {
    await expectRejected(
      referenceEvent({ name: 'devtest_eu-central-1/research/1.0' }),
      'unknown-environment',
      /environment "devtest" is not configured/,
    );
  });

  test('shell injection attempt', async () => {
    await expectRejected(
      referenceEvent({ name: 'dev_eu-central-1/research/1.0;rm' }),
      'bad-character',
      /tag contains ";"/,
    );
  });

  test('commit not on main (GetMergeOptions merge base differs; CodeCommit mocked)', async () => {
    await expectRejected(referenceEvent({ commitId: OTHER_COMMIT }), 'not-on-main', /is not on main/);
  });

  test('a commit whose ancestry cannot be confirmed within the bound: refused, never started (CodeCommit mocked)', async () => {
    // GetMergeOptions cannot compare; main's history is longer than the walk reads and COMMIT is beyond it.
    const ids = Array.from(
      { length: ANCESTRY_WALK_MAX_COMMITS + 1 },
      (_, i) => `c${i.toString(16).padStart(39, '0')}`,
    );
    const history = new Map(ids.map((id, i) => [id, [ids[i + 1] ?? COMMIT]]));
    history.set(COMMIT, []);
    codecommitMock.reset();
    fakeCodeCommit(codecommitMock, { head: ids[0], history });
    codecommitMock
      .on(GetMergeOptionsCommand)
      .rejects(
        Object.assign(new Error('too divergent'), { name: 'TipsDivergenceExceededException', $metadata: {} }),
      );
    await expectRejected(
      referenceEvent(),
      'ancestry-unknown',
      new RegExp(
        `could not confirm that commit ${COMMIT} is on main: not among the ${ANCESTRY_WALK_MAX_COMMITS} most recent commits read`,
      ),
    );
  });

  test('an id that is not a commit (e.g. an annotated tag object; CodeCommit mocked)', async () => {
    await expectRejected(
      referenceEvent({ commitId: '7'.repeat(40) }),
      'not-a-commit',
      /is not a commit of infra/,
    );
  });

  test('a moved tag (referenceUpdated)', async () => {
    await expectRejected(referenceEvent({ event: 'referenceUpdated' }), 'moved-tag', /tags are immutable/);
  });

  test('an environment whose pipeline is not deployed', async () => {
    await expectRejected(
      referenceEvent({ name: 'staging_eu-central-1/risk/1.0' }),
      'pipeline-not-found',
      /pipeline tfpf-staging does not exist/,
    );
  });

  test('a tag deleted and pushed again on another commit (a moved tag in disguise)', async () => {
    await world.handle(referenceEvent({ name: 'dev_us-east-1/risk/3.0' }));
    await world.handle(referenceEvent({ name: 'dev_us-east-1/risk/3.0', event: 'referenceDeleted' }));
    await receive(world.moto, world.eventsQueue); // the first release's "Release Started"
    await expect(
      world.handle(referenceEvent({ name: 'dev_us-east-1/risk/3.0', commitId: MAIN_HEAD })),
    ).resolves.toMatchObject({
      status: 'rejected',
      code: 'reused-tag',
      reason: expect.stringContaining(`was already pushed on commit ${COMMIT}`),
    });
    expect(await executions('dev')).toHaveLength(1);
    // Pushed again on the same commit: the same release, already handled.
    await expect(world.handle(referenceEvent({ name: 'dev_us-east-1/risk/3.0' }))).resolves.toMatchObject({
      status: 'duplicate',
    });
  });

  test('a duplicate delivery of a rejected event notifies once', async () => {
    const event = referenceEvent({ event: 'referenceUpdated' });
    await world.handle(event);
    await expect(world.handle(event)).resolves.toMatchObject({ status: 'duplicate', outcome: 'rejected' });
    expect(await notifications(2)).toHaveLength(1);
  });

  test('a deleted tag does nothing at all', async () => {
    const event = referenceEvent({ event: 'referenceDeleted' });
    await expect(world.handle(event)).resolves.toMatchObject({ status: 'ignored' });
    expect(await allExecutions()).toBe(0);
    expect(await notifications(0)).toEqual([]);
    expect(await releaseEvents(0)).toEqual([]);
    expect(await ledgerItem(event)).toBeUndefined();
  });
});

describe('a released tag is remembered for good (tag-name item without expiry; TTL simulated on moto)', () => {
  const TAG = 'dev_us-east-1/risk/3.1';
  const DAY = 86400;

  /** Releases TAG, deletes it, lets the event items expire (31 days, TTL applied). */
  async function releaseDeleteAndExpire(): Promise<string> {
    const first = await world.handle(referenceEvent({ name: TAG }));
    expect(first.status).toBe('started');
    await world.handle(referenceEvent({ name: TAG, event: 'referenceDeleted' }));
    await receive(world.moto, world.eventsQueue); // the first release's "Release Started"
    world.advance(31 * DAY);
    expect(await expireLedger()).toBe(1); // the event item went; the tag-name item has no expiry and stays
    const { Item } = await world.dynamodb.send(
      new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: tagNameKey(TAG) } } }),
    );
    expect(Item).toMatchObject({ state: { S: 'started' }, commit: { S: COMMIT } });
    expect(Item!.expiresAt).toBeUndefined();
    return (first as { executionId: string }).executionId;
  }

  // Catches: a tag-name item that expires with the event items, a handler that never marks the name started, and
  // a reservation that accepts any same-commit push (the re-push would start a second execution).
  test('re-pushed on the same commit after the ledger expiry (a stale clone’s git push --tags): refused, tagger told', async () => {
    const executionId = await releaseDeleteAndExpire();
    await expectRejected(
      referenceEvent({ name: TAG }),
      'already-released',
      new RegExp(
        `tag ${TAG} was already released from commit ${COMMIT} on 2026-11-20T10:00:00.000Z \\(execution ${executionId}\\)`,
      ),
      1,
    );
  });

  test('re-pushed on another commit after the ledger expiry: refused as a reused tag, tagger told', async () => {
    await releaseDeleteAndExpire();
    await expectRejected(
      referenceEvent({ name: TAG, commitId: MAIN_HEAD }),
      'reused-tag',
      new RegExp(`tag ${TAG} was already pushed on commit ${COMMIT}; release tags are immutable`),
      1,
    );
  });

  test('within the retention the same re-push is a duplicate: nothing starts, nobody is told twice', async () => {
    await world.handle(referenceEvent({ name: TAG }));
    await world.handle(referenceEvent({ name: TAG, event: 'referenceDeleted' }));
    world.advance(29 * DAY);
    expect(await expireLedger()).toBe(0);
    await expect(world.handle(referenceEvent({ name: TAG }))).resolves.toMatchObject({ status: 'duplicate' });
    expect(await executions('dev')).toHaveLength(1);
  });

  test('a name whose release never started (pipeline not deployed) releases later from the same commit', async () => {
    const tag = 'staging_eu-central-1/risk/1.0';
    await expect(world.handle(referenceEvent({ name: tag }))).resolves.toMatchObject({
      code: 'pipeline-not-found',
    });
    world.advance(31 * DAY);
    await expireLedger();
    await createPipeline(world, 'staging');
    await expect(world.handle(referenceEvent({ name: tag }))).resolves.toMatchObject({ status: 'started' });
  });

  // Catches: a resume path that announces the start but leaves the tag name reserved (re-pushable).
  test('a crash after the start, before the name was spent: the resumed invocation spends it', async () => {
    const isTagItem = (input: Record<string, unknown>): boolean =>
      (input.Key as { pk?: { S?: string } } | undefined)?.pk?.S === tagNameKey(TAG);
    world.failNext('dynamodb', 'UpdateItemCommand', 'InternalServerError', Infinity, isTagItem);
    await expect(world.handle(referenceEvent({ name: TAG }))).rejects.toThrow(/InternalServerError/);
    world.clearFailures();
    world.advance(PENDING_TIMEOUT_SECONDS + 1);
    await expect(world.handle(referenceEvent({ name: TAG }))).resolves.toMatchObject({ status: 'started' });
    expect(starts()).toHaveLength(1);
    await world.handle(referenceEvent({ name: TAG, event: 'referenceDeleted' }));
    world.advance(31 * DAY);
    await expireLedger();
    await receive(world.moto, world.eventsQueue);
    await expect(world.handle(referenceEvent({ name: TAG }))).resolves.toMatchObject({
      status: 'rejected',
      code: 'already-released',
    });
    expect(starts()).toHaveLength(1);
  });
});

describe('AWS errors are retried, not turned into rejections', () => {
  test('a throttled StartPipelineExecution is retried by the SDK and starts once', async () => {
    world.failNext('codepipeline', 'StartPipelineExecutionCommand', 'ThrottlingException', 2);
    await expect(world.handle(referenceEvent())).resolves.toMatchObject({ status: 'started' });
    expect(starts()).toHaveLength(3); // two throttled attempts, one that reached moto
    expect(await allExecutions()).toBe(1);
  });

  test('throttling beyond the SDK retries fails the invocation; the Lambda retry then starts exactly once', async () => {
    codecommitMock
      .on(GetBranchCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: {},
        }),
      )
      .resolves({ branch: { branchName: 'main', commitId: MAIN_HEAD } });
    const event = referenceEvent();
    await expect(world.handle(event)).rejects.toThrow('Rate exceeded');
    expect(await allExecutions()).toBe(0);
    expect(await notifications(0)).toEqual([]); // not a rejection
    expect(await ledgerItem(event)).toBeUndefined(); // the claim was given back

    await expect(world.handle(event)).resolves.toMatchObject({ status: 'started' });
    expect(await allExecutions()).toBe(1);
  });

  test('a throttled notification fails the invocation, and the retry notifies', async () => {
    world.failNext('events', 'PutEventsCommand', 'ThrottlingException', 3);
    const event = referenceEvent({ event: 'referenceUpdated' });
    await expect(world.handle(event)).rejects.toThrow(/ThrottlingException/);
    await expect(world.handle(event)).resolves.toMatchObject({ status: 'rejected', code: 'moved-tag' });
    expect((await releaseEvents(1)).map((e) => e.type)).toEqual(['Release Rejected']);
    expect(await receive(world.moto, world.notificationsQueue)).toHaveLength(2); // at least once: SNS went out twice
  });
});
