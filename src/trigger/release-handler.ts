import type { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { StartPipelineExecutionCommand, type CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { findEnvironment, type FactoryModel } from '../config/model';
import type { DeploymentStore } from '../deployment/deployment-store';
import {
  checkPromotion,
  PROMOTED_FROM,
  promotedFromText,
  type PromotionCheck,
} from '../deployment/promotion-gate';
import type { Release } from '../tag';
import { checkCommitOnMain } from './commit-checks';
import {
  clientRequestToken,
  decide,
  ledgerKey,
  pipelineVariables,
  type ReferenceEvent,
  type Rejection,
} from './release-decision';
import {
  bounded,
  RELEASE_EVENT_SOURCE,
  RELEASE_REJECTED,
  RELEASE_STARTED,
  rejectionMessage,
  rejectionSubject,
  type ReleaseRejectedDetail,
  type ReleaseStartedDetail,
} from './release-events';
import {
  ReleaseInProgressError,
  type LedgerRecord,
  type ReleaseLedger,
  type TagReservation,
} from './release-ledger';

/** Name of the pipeline's source action; `sourceRevisions` overrides its revision (contract with the stacks). */
export const SOURCE_ACTION_NAME = 'Source';

export type ReleaseOutcome =
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'rejected'; readonly code: string; readonly reason: string }
  | { readonly status: 'started'; readonly pipeline: string; readonly executionId: string }
  | { readonly status: 'duplicate'; readonly outcome?: string; readonly executionId?: string };

export type LogEntry = Record<string, unknown> & { readonly message: string };

export interface ReleaseHandlerDependencies {
  readonly config: FactoryModel;
  readonly codecommit: CodeCommitClient;
  readonly codepipeline: CodePipelineClient;
  readonly sns: SNSClient;
  readonly events: EventBridgeClient;
  readonly ledger: ReleaseLedger;
  /** Deployment records (same table): the promotion gate reads them; started executions are registered there. */
  readonly deployments: DeploymentStore;
  readonly failureTopicArn: string;
  /** Clock in milliseconds (execution registrations); default Date.now. */
  readonly now?: () => number;
  /** Structured log sink; default one JSON line on stdout. */
  readonly log?: (entry: LogEntry) => void;
}

export type ReleaseHandler = (event: unknown) => Promise<ReleaseOutcome>;

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

/** The rejection of a tag name that is reserved for another commit, or already released. */
export function tagNameRejection(
  tag: string,
  commitId: string,
  reserved: Exclude<TagReservation, { ok: true }>,
): Rejection {
  if (reserved.reason === 'reused') {
    return {
      code: 'reused-tag',
      reason: `tag ${tag} was already pushed on commit ${reserved.commit}; release tags are immutable (deleting and pushing it again on ${commitId} moves it): push a new version instead`,
    };
  }
  const when =
    reserved.startedAt === undefined ? '' : ` on ${new Date(reserved.startedAt * 1000).toISOString()}`;
  const execution = reserved.executionId === undefined ? '' : ` (execution ${reserved.executionId})`;
  return {
    code: 'already-released',
    reason: `tag ${tag} was already released from commit ${commitId}${when}${execution}; a tag releases once (pushing it again, e.g. with git push --tags, does not release it again): push a new version to release again`,
  };
}

const defaultLog = (entry: LogEntry): void => {
  console.log(JSON.stringify(entry));
};

/**
 * The tag handler: decides (pure), claims the event in the ledger, checks the commit, starts the pipeline and
 * announces the outcome. Rejections notify and return normally; AWS errors propagate so the invocation is retried.
 */
export function createReleaseHandler(deps: ReleaseHandlerDependencies): ReleaseHandler {
  const log = deps.log ?? defaultLog;
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const repository = config.factory.repository;

  async function putEvent(
    detailType: string,
    detail: ReleaseRejectedDetail | ReleaseStartedDetail,
  ): Promise<void> {
    const result = await deps.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: RELEASE_EVENT_SOURCE,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
            EventBusName: 'default',
          },
        ],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      const entry = result.Entries?.[0];
      throw new Error(
        `PutEvents failed: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }

  async function notifyRejection(event: ReferenceEvent, rejection: Rejection): Promise<ReleaseOutcome> {
    const detail: ReleaseRejectedDetail = {
      tag: bounded(event.referenceName) ?? '',
      commit: bounded(event.commitId),
      callerUserArn: bounded(event.callerUserArn),
      repository,
      event: bounded(event.event) ?? '',
      code: rejection.code,
      reason: rejection.reason,
    };
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.failureTopicArn,
        Subject: rejectionSubject(detail),
        Message: rejectionMessage(detail),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'release-rejected' },
          code: { DataType: 'String', StringValue: rejection.code },
        },
      }),
    );
    await putEvent(RELEASE_REJECTED, detail);
    log({
      message: 'release rejected',
      tag: detail.tag,
      commit: detail.commit,
      code: rejection.code,
      reason: rejection.reason,
    });
    return { status: 'rejected', code: rejection.code, reason: rejection.reason };
  }

  async function announceStarted(
    event: ReferenceEvent,
    release: Release,
    commitId: string,
    executionId: string,
  ): Promise<void> {
    const detail: ReleaseStartedDetail = {
      tag: release.tag,
      commit: commitId,
      callerUserArn: bounded(event.callerUserArn),
      repository,
      environment: release.environment,
      region: release.region,
      targetRegion: release.targetRegion,
      team: release.team,
      version: release.version,
      stateKey: release.stateKey,
      account: release.account,
      pipeline: release.pipeline,
      executionId,
    };
    await putEvent(RELEASE_STARTED, detail);
    log({
      message: 'release started',
      tag: release.tag,
      commit: commitId,
      pipeline: release.pipeline,
      executionId,
    });
  }

  /** StartPipelineExecution; a missing pipeline is a rejection (the environment stack is not deployed). */
  async function start(
    release: Release,
    commitId: string,
    promotion: Extract<PromotionCheck, { ok: true }> | undefined,
  ): Promise<string | Rejection> {
    const variables = pipelineVariables(release, commitId);
    if (promotion !== undefined) variables.push({ name: PROMOTED_FROM, value: promotedFromText(promotion) });
    try {
      const result = await deps.codepipeline.send(
        new StartPipelineExecutionCommand({
          name: release.pipeline,
          variables,
          sourceRevisions: [
            { actionName: SOURCE_ACTION_NAME, revisionType: 'COMMIT_ID', revisionValue: commitId },
          ],
          clientRequestToken: clientRequestToken(release.tag, commitId),
        }),
      );
      if (result.pipelineExecutionId === undefined)
        throw new Error('StartPipelineExecution returned no execution id');
      return result.pipelineExecutionId;
    } catch (error) {
      if (errorName(error) !== 'PipelineNotFoundException') throw error;
      return {
        code: 'pipeline-not-found',
        reason: `pipeline ${release.pipeline} does not exist: deploy the ${release.environment} environment stack first`,
      };
    }
  }

  /** The promotion gate: undefined when the environment does not promote from another. */
  async function promotionCheck(release: Release, commitId: string): Promise<PromotionCheck | undefined> {
    const from = findEnvironment(config, release.environment)?.promotion?.from;
    if (from === undefined) return undefined;
    const sourceSlot = { environment: from, scope: release.region, team: release.team };
    const applied = await deps.deployments.appliedCommit(sourceSlot, commitId);
    const last = applied === undefined ? (await deps.deployments.deployment(sourceSlot))?.applied : undefined;
    return checkPromotion(
      { environment: release.environment, scope: release.region, team: release.team },
      commitId,
      from,
      { commit: applied, last },
    );
  }

  /** Records which release the execution deploys, for the deployment recorder. */
  async function register(
    event: ReferenceEvent,
    release: Release,
    commitId: string,
    executionId: string,
  ): Promise<void> {
    const tagger = bounded(event.callerUserArn);
    await deps.deployments.registerExecution({
      environment: release.environment,
      scope: release.region,
      team: release.team,
      executionId,
      pipelineName: release.pipeline,
      stateKey: release.stateKey,
      tag: release.tag,
      version: release.version,
      commit: commitId,
      ...(tagger === undefined ? {} : { tagger }),
      startedAt: now(),
    });
  }

  return async function handle(input: unknown): Promise<ReleaseOutcome> {
    const decision = decide(input, config);
    if (decision.action === 'ignore') {
      log({ message: 'event ignored', reason: decision.reason });
      return { status: 'ignored', reason: decision.reason };
    }
    const { event } = decision;
    const key = ledgerKey(event);
    const claim = await deps.ledger.claim(key, {
      tag: event.referenceName,
      commit: event.commitId ?? '',
      event: event.event,
    });
    if (claim.status === 'done') {
      log({
        message: 'duplicate event: already handled',
        tag: event.referenceName,
        outcome: claim.record.outcome,
      });
      return { status: 'duplicate', outcome: claim.record.outcome, executionId: claim.record.executionId };
    }
    if (claim.status === 'busy') {
      throw new ReleaseInProgressError(
        `tag ${JSON.stringify(event.referenceName)} is being processed by another invocation; retry later`,
      );
    }
    const { claimId } = claim;
    const resumed: LedgerRecord | undefined = claim.resumed;

    if (decision.action === 'release' && resumed?.state === 'started' && resumed.executionId !== undefined) {
      // A previous attempt started the execution but did not announce it (nor, perhaps, register it or spend the
      // tag name).
      await register(event, decision.release, decision.commitId, resumed.executionId);
      await deps.ledger.markTagStarted(decision.release.tag, decision.commitId, resumed.executionId);
      await announceStarted(event, decision.release, decision.commitId, resumed.executionId);
      await deps.ledger.markDone(key, claimId, 'started');
      return { status: 'started', pipeline: decision.release.pipeline, executionId: resumed.executionId };
    }

    let started = false;
    try {
      if (decision.action === 'reject') {
        const outcome = await notifyRejection(event, decision.rejection);
        await deps.ledger.markDone(key, claimId, 'rejected');
        return outcome;
      }
      const { release, commitId } = decision;
      const check = await checkCommitOnMain(deps.codecommit, repository, config.factory.mainBranch, commitId);
      if (!check.ok) {
        const outcome = await notifyRejection(event, check);
        await deps.ledger.markDone(key, claimId, 'rejected');
        return outcome;
      }
      const promotion = await promotionCheck(release, commitId);
      if (promotion !== undefined && !promotion.ok) {
        const outcome = await notifyRejection(event, promotion);
        await deps.ledger.markDone(key, claimId, 'rejected');
        return outcome;
      }
      const reserved = await deps.ledger.reserveTagName(release.tag, commitId);
      if (!reserved.ok) {
        const outcome = await notifyRejection(event, tagNameRejection(release.tag, commitId, reserved));
        await deps.ledger.markDone(key, claimId, 'rejected');
        return outcome;
      }
      const executionId = await start(release, commitId, promotion);
      if (typeof executionId !== 'string') {
        const outcome = await notifyRejection(event, executionId);
        await deps.ledger.markDone(key, claimId, 'rejected');
        return outcome;
      }
      started = true;
      await deps.ledger.markStarted(key, claimId, executionId);
      await register(event, release, commitId, executionId);
      await deps.ledger.markTagStarted(release.tag, commitId, executionId);
      await announceStarted(event, release, commitId, executionId);
      await deps.ledger.markDone(key, claimId, 'started');
      return { status: 'started', pipeline: release.pipeline, executionId };
    } catch (error) {
      // Nothing started yet: give the claim back so the retry starts afresh. After a start, keep it: the retry
      // resumes once the claim is stale (and re-sends StartPipelineExecution with the same clientRequestToken).
      if (!started) {
        await deps.ledger.release(key, claimId).catch((releaseError: unknown) => {
          log({ message: 'could not release ledger claim', key, error: String(releaseError) });
        });
      }
      log({ message: 'release failed; will be retried', tag: event.referenceName, error: String(error) });
      throw error;
    }
  };
}
