import type { MotoClientConfig } from './moto';

/**
 * Minimal unsigned calls to moto for the services the project has no SDK client for (SQS to receive what EventBridge
 * delivered, IAM to create a pipeline role). moto does not verify signatures; it routes on the credential scope.
 */

function authorization(service: string, region: string): string {
  return `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

async function call(
  moto: MotoClientConfig,
  service: string,
  target: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': target,
      Authorization: authorization(service, moto.region),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target}: HTTP ${response.status}: ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

export interface SqsMessage {
  readonly body: string;
  readonly receiptHandle: string;
}

/** Creates an SQS queue; returns its URL and ARN. */
export async function createQueue(
  moto: MotoClientConfig,
  name: string,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = (await call(moto, 'sqs', 'AmazonSQS.CreateQueue', { QueueName: name })) as {
    QueueUrl: string;
  };
  const { Attributes } = (await call(moto, 'sqs', 'AmazonSQS.GetQueueAttributes', {
    QueueUrl,
    AttributeNames: ['QueueArn'],
  })) as { Attributes: { QueueArn: string } };
  return { url: QueueUrl, arn: Attributes.QueueArn };
}

/** Receives and deletes up to 10 messages (no long polling: moto delivers synchronously). */
export async function receive(moto: MotoClientConfig, queueUrl: string): Promise<string[]> {
  const { Messages } = (await call(moto, 'sqs', 'AmazonSQS.ReceiveMessage', {
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    WaitTimeSeconds: 0,
  })) as { Messages?: { Body: string; ReceiptHandle: string }[] };
  for (const m of Messages ?? []) {
    await call(moto, 'sqs', 'AmazonSQS.DeleteMessage', {
      QueueUrl: queueUrl,
      ReceiptHandle: m.ReceiptHandle,
    });
  }
  return (Messages ?? []).map((m) => m.Body);
}

export interface ReceiveOptions {
  /** Longest time to poll for `done`; default 3000 ms. */
  readonly timeoutMs?: number;
  /**
   * How long to keep polling once `done` holds, so that messages beyond the expected ones (a duplicate) are seen
   * too; default 300 ms. This is also how long "nothing arrives" is waited for when nothing is expected.
   */
  readonly settleMs?: number;
}

/**
 * Receives until `done(all received so far)` has held for `settleMs`, or `timeoutMs` passed (bounded, never hangs).
 * Always polls, for at least `settleMs`: `done([])` (nothing expected) is never concluded without asking the queue,
 * so a dead endpoint fails instead of passing as "nothing was sent".
 */
export async function receiveUntil(
  moto: MotoClientConfig,
  queueUrl: string,
  done: (bodies: readonly string[]) => boolean,
  options: ReceiveOptions = {},
): Promise<string[]> {
  const { timeoutMs = 3000, settleMs = 300 } = options;
  const start = Date.now();
  const maxPolls = Math.ceil(Math.max(timeoutMs, settleMs) / 50) + 1;
  const bodies: string[] = [];
  let doneSince: number | undefined;
  for (let poll = 0; poll < maxPolls; poll++) {
    const batch = await receive(moto, queueUrl);
    bodies.push(...batch);
    const now = Date.now();
    if (done(bodies)) doneSince ??= now;
    else doneSince = undefined;
    if (doneSince !== undefined && now - doneSince >= settleMs) break;
    if (now - start >= Math.max(timeoutMs, settleMs)) break;
    if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return bodies;
}

/** Sends one message to an SQS queue (for tests of the receiving helpers). */
export async function sendMessage(moto: MotoClientConfig, queueUrl: string, body: string): Promise<void> {
  await call(moto, 'sqs', 'AmazonSQS.SendMessage', { QueueUrl: queueUrl, MessageBody: body });
}

/** Creates an IAM role trusted by `service` (query protocol); returns its ARN. */
export async function createServiceRole(
  moto: MotoClientConfig,
  name: string,
  service: string,
): Promise<string> {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
  const body = new URLSearchParams({
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: name,
    AssumeRolePolicyDocument: policy,
  });
  const response = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: authorization('iam', 'us-east-1'),
    },
    body: body.toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`CreateRole: HTTP ${response.status}: ${text}`);
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (arn === undefined) throw new Error(`CreateRole: no ARN in ${text}`);
  return arn;
}

/**
 * CodePipeline ListPipelineExecutions through the raw JSON protocol: moto answers timestamps as ISO strings, which the
 * SDK refuses to parse (it expects epoch seconds). Returns the execution ids, newest first.
 */
export async function listPipelineExecutionIds(
  moto: MotoClientConfig,
  pipelineName: string,
): Promise<string[]> {
  const { pipelineExecutionSummaries = [] } = (await call(
    moto,
    'codepipeline',
    'CodePipeline_20150709.ListPipelineExecutions',
    {
      pipelineName,
    },
  )) as { pipelineExecutionSummaries?: { pipelineExecutionId: string }[] };
  return pipelineExecutionSummaries.map((s) => s.pipelineExecutionId);
}
