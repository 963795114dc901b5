import {
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  appliedCommitKey,
  DEPLOYMENT_PREFIX,
  deploymentKey,
  DRIFT_PREFIX,
  EXECUTION_RETENTION_DAYS,
  executionKey,
  readAppliedCommit,
  readDeploymentRecord,
  readDriftRecord,
  readExecutionRegistration,
  type AppliedRelease,
  type DeploymentRecord,
  type DeploymentState,
  type DriftRecord,
  type ExecutionRegistration,
  type Slot,
} from './deployment-record';

/** One state change of an execution, as read from its CodePipeline event. */
export interface Transition {
  readonly state: DeploymentState;
  /** Epoch ms of the event. */
  readonly at: number;
  /** Order of events of one execution that share a timestamp (see execution-events.ts). */
  readonly progress: number;
}

export type RecordOutcome = 'recorded' | 'stale';

/** Most pages read by {@link DeploymentStore.scanRecords} (1 MB each). */
const MAX_SCAN_PAGES = 50;

function isConditionalFailure(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'name' in error &&
    error.name === 'ConditionalCheckFailedException'
  );
}

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

/** Builds `SET #a = :a, …` with every attribute aliased (state, commit, version… are reserved words). */
function setExpression(values: Readonly<Record<string, AttributeValue>>): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
} {
  const names: Record<string, string> = {};
  const out: Record<string, AttributeValue> = {};
  const sets: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    names[`#${name}`] = name;
    out[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  return { expression: `SET ${sets.join(', ')}`, names, values: out };
}

function identity(registration: ExecutionRegistration): Record<string, AttributeValue> {
  return {
    kind: s('deployment'),
    environment: s(registration.environment),
    scope: s(registration.scope),
    team: s(registration.team),
    stateKey: s(registration.stateKey),
  };
}

/**
 * Deployment records, drift records and execution registrations in the release ledger table. Every write of a
 * deployment record is conditional, so a duplicate or late event never moves a record backwards: a record follows
 * the most recently started execution (registration `startedAt`), and within one execution the latest event
 * (event time, then progress); the last apply moves only forward in time.
 */
export class DeploymentStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records which release an execution deploys (the tag handler, right after StartPipelineExecution). */
  async registerExecution(registration: ExecutionRegistration): Promise<void> {
    const item: Record<string, AttributeValue> = {
      pk: s(executionKey(registration.executionId)),
      kind: s('execution'),
      environment: s(registration.environment),
      scope: s(registration.scope),
      team: s(registration.team),
      executionId: s(registration.executionId),
      pipelineName: s(registration.pipelineName),
      stateKey: s(registration.stateKey),
      tag: s(registration.tag),
      version: s(registration.version),
      commit: s(registration.commit),
      startedAt: n(registration.startedAt),
      expiresAt: n(Math.floor(this.now() / 1000) + EXECUTION_RETENTION_DAYS * 86400),
    };
    if (registration.tagger !== undefined) item.tagger = s(registration.tagger);
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item }));
  }

  async execution(executionId: string): Promise<ExecutionRegistration | undefined> {
    const item = await this.getItem(executionKey(executionId));
    return item === undefined ? undefined : readExecutionRegistration(item);
  }

  async deployment(slot: Slot): Promise<DeploymentRecord | undefined> {
    const item = await this.getItem(deploymentKey(slot));
    return item === undefined ? undefined : readDeploymentRecord(item);
  }

  /**
   * Records a state change of a registered execution. `stale` when the record already holds a newer execution or
   * a later event of this one (a duplicate or out-of-order delivery): nothing is written then. An approval
   * `rejected` refines the pipeline's own `failed` of the same execution, never the other way round.
   */
  async recordTransition(
    registration: ExecutionRegistration,
    transition: Transition,
  ): Promise<RecordOutcome> {
    const fields: Record<string, AttributeValue> = {
      ...identity(registration),
      tag: s(registration.tag),
      version: s(registration.version),
      commit: s(registration.commit),
      pipelineName: s(registration.pipelineName),
      executionId: s(registration.executionId),
      executionStartedAt: n(registration.startedAt),
      state: s(transition.state),
      updatedAt: n(transition.at),
      progress: n(transition.progress),
    };
    if (registration.tagger !== undefined) fields.tagger = s(registration.tagger);
    const set = setExpression(fields);
    const newer =
      'attribute_not_exists(#executionStartedAt) OR #executionStartedAt < :executionStartedAt' +
      ' OR (#executionStartedAt = :executionStartedAt AND (#updatedAt < :updatedAt' +
      ' OR (#updatedAt = :updatedAt AND #progress < :progress)))';
    const sameExecution = '#executionId = :executionId';
    let condition = newer;
    const values = { ...set.values };
    if (transition.state === 'failed') {
      condition = `(${newer}) AND NOT (${sameExecution} AND #state = :refined)`;
      values[':refined'] = s('rejected');
    } else if (transition.state === 'rejected') {
      condition = `(${newer}) OR (${sameExecution} AND #state = :refined)`;
      values[':refined'] = s('failed');
    }
    return this.conditionalUpdate(deploymentKey(registration), set.expression, condition, set.names, values);
  }

  /** The last apply of `commit` in `slot`, whatever was applied there since; undefined when it never was. */
  async appliedCommit(slot: Slot, commit: string): Promise<AppliedRelease | undefined> {
    const item = await this.getItem(appliedCommitKey(slot, commit));
    return item === undefined ? undefined : readAppliedCommit(item);
  }

  /**
   * Records a successful apply: as the commit's applied-commit record (kept for good, so the commit stays
   * promotable after later applies) and as the slot's last apply, each unless a later apply is already recorded.
   */
  async recordApplied(registration: ExecutionRegistration, at: number): Promise<RecordOutcome> {
    const commit = setExpression({
      kind: s('applied'),
      environment: s(registration.environment),
      scope: s(registration.scope),
      team: s(registration.team),
      tag: s(registration.tag),
      version: s(registration.version),
      commit: s(registration.commit),
      executionId: s(registration.executionId),
      appliedAt: n(at),
    });
    await this.conditionalUpdate(
      appliedCommitKey(registration, registration.commit),
      commit.expression,
      'attribute_not_exists(#appliedAt) OR #appliedAt < :appliedAt',
      commit.names,
      commit.values,
    );
    const set = setExpression({
      ...identity(registration),
      appliedTag: s(registration.tag),
      appliedVersion: s(registration.version),
      appliedCommit: s(registration.commit),
      appliedExecutionId: s(registration.executionId),
      appliedAt: n(at),
    });
    return this.conditionalUpdate(
      deploymentKey(registration),
      set.expression,
      'attribute_not_exists(#appliedAt) OR #appliedAt < :appliedAt',
      set.names,
      set.values,
    );
  }

  /** Every deployment and drift record of the table (a bounded, paginated scan). */
  async scanRecords(): Promise<{ deployments: DeploymentRecord[]; drifts: DriftRecord[] }> {
    const deployments: DeploymentRecord[] = [];
    const drifts: DriftRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < MAX_SCAN_PAGES; page++) {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :deployment) OR begins_with(pk, :drift)',
          ExpressionAttributeValues: { ':deployment': s(DEPLOYMENT_PREFIX), ':drift': s(DRIFT_PREFIX) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const deployment = readDeploymentRecord(item);
        if (deployment !== undefined) deployments.push(deployment);
        const drift = readDriftRecord(item);
        if (drift !== undefined) drifts.push(drift);
      }
      start = out.LastEvaluatedKey;
      if (start === undefined) return { deployments, drifts };
    }
    throw new Error(`the ledger table ${this.tableName} has more than ${MAX_SCAN_PAGES} pages of items`);
  }

  private async getItem(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: s(key) }, ConsistentRead: true }),
    );
    return Item;
  }

  private async conditionalUpdate(
    key: string,
    expression: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, AttributeValue>,
  ): Promise<RecordOutcome> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: s(key) },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return 'recorded';
    } catch (error) {
      if (isConditionalFailure(error)) return 'stale';
      throw error;
    }
  }
}
