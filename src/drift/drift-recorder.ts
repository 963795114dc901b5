import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { quoteUntrusted } from '../text/quote-untrusted';
import { driftCheckOf, exportedVariablesOf } from './drift-build';
import {
  DRIFT_DETECTED,
  DRIFT_EVENT_SOURCE,
  driftDetectedDetail,
  driftMessage,
  driftSubject,
} from './drift-events';
import {
  driftRecordFromItem,
  driftRecordItem,
  driftRecordKey,
  nextDriftRecord,
  type DriftRecord,
} from './drift-record';
import type { DriftTarget } from './drift-targets';

/**
 * Turns the result of one drift build into the state key's drift record, outside the build: the build (which runs
 * repository code) has no access to the ledger, the topic or the event bus; the state machine hands its result to
 * this recorder. On drift: the failure topic and a `Drift Detected` event. A build that failed or reported no drift
 * check leaves the record as it was and notifies the failure topic.
 */

/** One iteration of the drift state machine: the target, and the build's result or the error that stopped it. */
export interface DriftCheckEvent {
  readonly target: DriftTarget;
  /** Output of CodeBuild startBuild.sync. */
  readonly result?: {
    readonly Build?: {
      readonly Id?: string;
      readonly BuildStatus?: string;
      readonly ExportedEnvironmentVariables?: readonly { readonly Name?: string; readonly Value?: string }[];
    };
  };
  /** Caught error of the build task. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

export type DriftCheckOutcome =
  | { readonly status: 'drifted' | 'none'; readonly key: string; readonly buildId: string }
  | { readonly status: 'duplicate'; readonly key: string; readonly buildId: string }
  | { readonly status: 'failed'; readonly key: string; readonly reason: string };

export interface DriftRecorderDependencies {
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly events: EventBridgeClient;
  readonly tableName: string;
  readonly failureTopicArn: string;
  /** Clock in epoch milliseconds. Default: Date.now. */
  readonly now?: () => number;
}

const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{1,254}:[0-9a-f-]{36}$/;

async function notifyFailure(
  deps: DriftRecorderDependencies,
  target: DriftTarget,
  reason: string,
): Promise<void> {
  await deps.sns.send(
    new PublishCommand({
      TopicArn: deps.failureTopicArn,
      Subject: `tfpf: drift check failed in ${target.environment}_${target.scope}/${target.team}`.slice(
        0,
        100,
      ),
      Message: [
        'A scheduled drift check could not complete: its drift record is unchanged.',
        '',
        `State key:  ${target.stateKey}`,
        `Release:    ${target.tag} (commit ${target.commit})`,
        `Reason:     ${reason}`,
      ].join('\n'),
    }),
  );
}

export async function recordDriftCheck(
  deps: DriftRecorderDependencies,
  event: DriftCheckEvent,
): Promise<DriftCheckOutcome> {
  const { target } = event;
  const key = driftRecordKey(target.environment, target.scope, target.team);
  const build = event.result?.Build;
  const failed = (reason: string): Promise<DriftCheckOutcome> =>
    notifyFailure(deps, target, reason).then(() => ({ status: 'failed', key, reason }));
  if (event.error !== undefined || build === undefined) {
    const cause = event.error?.Cause ?? '';
    return failed(
      `the drift build did not succeed (${quoteUntrusted(event.error?.Error ?? 'no result', 80)}${cause === '' ? '' : `: ${quoteUntrusted(cause, 300)}`})`,
    );
  }
  const buildId = build.Id ?? '';
  if (!BUILD_ID.test(buildId))
    return failed(`the build result has no valid build id (${quoteUntrusted(buildId, 80)})`);
  if (build.BuildStatus !== 'SUCCEEDED') {
    return failed(`build ${buildId} ended ${quoteUntrusted(build.BuildStatus ?? 'without a status', 40)}`);
  }
  const check = driftCheckOf(exportedVariablesOf(build.ExportedEnvironmentVariables));
  if (typeof check === 'string') return failed(`build ${buildId}: ${check}`);

  const { Item } = await deps.dynamodb.send(
    new GetItemCommand({ TableName: deps.tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
  );
  const previous = driftRecordFromItem(Item);
  // A retried invocation for a build already recorded: nothing is written or sent twice.
  if (previous?.buildId === buildId) return { status: 'duplicate', key, buildId };
  const record: DriftRecord = nextDriftRecord(previous, {
    environment: target.environment,
    scope: target.scope,
    team: target.team,
    stateKey: target.stateKey,
    tag: target.tag,
    commit: target.commit,
    checkedAt: (deps.now ?? Date.now)(),
    ...check,
    buildId,
  });
  // Notified before the record is written: a retry after a failed notification notifies again (at least once).
  if (record.drifted) {
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.failureTopicArn,
        Subject: driftSubject(record),
        Message: driftMessage(record),
      }),
    );
    const { FailedEntryCount, Entries } = await deps.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: DRIFT_EVENT_SOURCE,
            DetailType: DRIFT_DETECTED,
            Detail: JSON.stringify(driftDetectedDetail(record)),
          },
        ],
      }),
    );
    if ((FailedEntryCount ?? 0) > 0) {
      throw new Error(
        `Drift Detected event for ${key} was not accepted: ${Entries?.[0]?.ErrorMessage ?? 'unknown error'}`,
      );
    }
  }
  await deps.dynamodb.send(new PutItemCommand({ TableName: deps.tableName, Item: driftRecordItem(record) }));
  return { status: record.drifted ? 'drifted' : 'none', key, buildId };
}
