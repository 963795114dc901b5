import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/output';
import { useMotoServer } from '../support/moto';
import { referenceEvent } from './fixtures';

const PIPELINES = path.join(__dirname, '..', '..', 'pipelines');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-check-rule-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    stdout: () => out.join('\n'),
    stderr: () => err.join('\n'),
  };
}

function eventFile(event: unknown): string {
  const file = path.join(tmp, `event-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(event));
  return file;
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = capture();
  const code = await main(['node', 'tfpf', 'check-rule', '--config', PIPELINES, ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const savedEnv = { ...process.env };
beforeAll(() => {
  // Dummy credentials: the SDK needs some; tests never reach AWS.
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  delete process.env.AWS_PROFILE;
});
afterAll(() => {
  process.env = savedEnv;
});

describe('tfpf check-rule against moto (TestEventPattern is a stub there)', () => {
  const moto = useMotoServer();

  test('the endpoint answers without a Result: say the emulator does not implement it (exit 3)', async () => {
    const result = await run('--endpoint', moto.server().endpoint);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/tag-created\s+NO RESULT/);
    expect(result.stderr).toContain('answered TestEventPattern without a Result');
    expect(result.stderr).toContain('does not implement it');
  });
});

describe('tfpf check-rule with EventBridge mocked (aws-sdk-client-mock)', () => {
  // Created in beforeAll, not at collection time: mockClient patches every EventBridgeClient, moto's test included.
  let eventbridge: AwsClientStub<EventBridgeClient>;
  beforeAll(() => {
    eventbridge = mockClient(EventBridgeClient);
  });
  afterAll(() => eventbridge.restore());

  beforeEach(() => {
    eventbridge.reset();
    // Stand-in for AWS: "matches" when the pattern's event kind equals the event's.
    eventbridge.on(TestEventPatternCommand).callsFake((input: { EventPattern: string; Event: string }) => {
      const pattern = JSON.parse(input.EventPattern) as { detail: { event: string[] } };
      const event = JSON.parse(input.Event) as { detail: { event: string } };
      return { Result: pattern.detail.event.includes(event.detail.event) };
    });
  });

  test('the built-in sample (a valid tag) matches tag-created; the patterns are filled from the config', async () => {
    const result = await run('--region', 'eu-central-1');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/tag-created\s+MATCH/);
    expect(result.stdout).toMatch(/tag-moved\s+NO MATCH/);
    expect(result.stdout).toContain('the tag handler would start tfpf-dev');
    const sent = eventbridge
      .commandCalls(TestEventPatternCommand)
      .map((c) => JSON.parse(c.args[0].input.EventPattern!));
    expect(sent[0]).toMatchObject({
      resources: ['arn:aws:codecommit:us-east-1:123456789012:infra'],
      detail: {
        referenceName: [{ prefix: 'dev_' }, { prefix: 'prod_' }, { prefix: 'qa_' }, { prefix: 'staging_' }],
      },
    });
  });

  test('a user event file: the repository ARN uses the event’s account and region; no rule matching → exit 1', async () => {
    const file = eventFile(
      referenceEvent({ event: 'referenceDeleted', account: '999999999999', region: 'ap-southeast-1' }),
    );
    const result = await run('--event', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/tag-created\s+NO MATCH/);
    expect(result.stdout).toMatch(/tag-moved\s+NO MATCH/);
    expect(result.stdout).toContain('No rule matches: this event does not invoke the tag handler.');
    const [call] = eventbridge.commandCalls(TestEventPatternCommand);
    expect(JSON.parse(call!.args[0].input.EventPattern!).resources).toEqual([
      'arn:aws:codecommit:ap-southeast-1:999999999999:infra',
    ]);
    expect(JSON.parse(call!.args[0].input.Event!)).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
  });

  test('a moved tag matches tag-moved and the handler would refuse it', async () => {
    const result = await run('--event', eventFile(referenceEvent({ event: 'referenceUpdated' })));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/tag-moved\s+MATCH/);
    expect(result.stdout).toContain('would reject it (moved-tag)');
  });

  test('an AWS error is reported with exit 3', async () => {
    eventbridge
      .on(TestEventPatternCommand)
      .rejects(Object.assign(new Error('Event is not valid'), { name: 'InvalidEventPatternException' }));
    const result = await run('--event', eventFile(referenceEvent()));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('InvalidEventPatternException: Event is not valid');
  });

  test.each([
    ['not JSON', '{ nope'],
    ['not an object', '[1]'],
    ['no account/region', JSON.stringify({ source: 'aws.codecommit' })],
  ])('an unusable event file (%s) → exit 2 with the reason', async (_what, content) => {
    const file = path.join(tmp, `bad-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, content);
    const result = await run('--event', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tfpf: /);
    expect(eventbridge.commandCalls(TestEventPatternCommand)).toHaveLength(0);
  });
});
