import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import type { FactoryModel } from '../../config';
import { projectRoot } from '../../local/project-paths';
import { decide } from '../../trigger/release-decision';
import {
  codeCommitRepositoryArn,
  loadRuleTemplates,
  renderPattern,
  RulePatternError,
} from '../../trigger/rule-patterns';
import { EXIT_CONFIG, loadConfigOrReport } from '../config-option';
import { quoteUntrusted, renderTable, type CliIo } from '../output';

export interface CheckRuleOptions {
  readonly config: string;
  /** JSON file holding one EventBridge event; default: a built-in sample for a valid tag. */
  readonly event?: string;
  /** EventBridge endpoint (an emulator); default: the AWS endpoint of the region. */
  readonly endpoint?: string;
  /** Region of the EventBridge client; default AWS_REGION, else the event's region. */
  readonly region?: string;
  /** Rule pattern folder; default `rules/` of the project. */
  readonly rules?: string;
}

/** Exit codes: 0 some rule matches, 1 no rule matches, 2 invalid configuration/input, 3 endpoint cannot evaluate. */
export const EXIT_NO_MATCH = 1;
export const EXIT_CANNOT_EVALUATE = 3;

const SAMPLE_ACCOUNT = '123456789012';
const SAMPLE_COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** A real-format CodeCommit tag event for the first configured environment, region and team. */
export function sampleTagEvent(config: FactoryModel): Record<string, unknown> {
  const env = config.environments[0];
  const region = env?.regions[0] ?? config.factory.globalRegion;
  const team = Object.keys(env?.teams ?? {}).sort()[0] ?? 'team';
  const tag = `${env?.environment ?? 'dev'}_${region}/${team}/1.0.0`;
  const repository = config.factory.repository;
  return {
    version: '0',
    id: '01234567-89ab-cdef-0123-456789abcdef',
    'detail-type': 'CodeCommit Repository State Change',
    source: 'aws.codecommit',
    account: SAMPLE_ACCOUNT,
    time: '2026-01-01T00:00:00Z',
    region,
    resources: [codeCommitRepositoryArn(region, SAMPLE_ACCOUNT, repository)],
    detail: {
      callerUserArn: `arn:aws:iam::${SAMPLE_ACCOUNT}:user/release-manager`,
      commitId: SAMPLE_COMMIT,
      event: 'referenceCreated',
      referenceFullName: `refs/tags/${tag}`,
      referenceName: tag,
      referenceType: 'tag',
      repositoryId: '01234567-89ab-cdef-0123-456789abcdef',
      repositoryName: repository,
    },
  };
}

function readEvent(file: string, io: CliIo): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    io.err(`tfpf: cannot read event ${file}: ${(error as Error).message}`);
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    io.err(`tfpf: ${file}: an EventBridge event must be a JSON object`);
    return undefined;
  }
  const event = parsed as Record<string, unknown>;
  if (typeof event.account !== 'string' || typeof event.region !== 'string') {
    io.err(
      `tfpf: ${file}: the event needs "account" and "region" (they name the repository ARN the rules match)`,
    );
    return undefined;
  }
  return event;
}

function describeDecision(event: Record<string, unknown>, config: FactoryModel): string {
  const decision = decide(event, config);
  switch (decision.action) {
    case 'ignore':
      return `the tag handler would ignore it: ${decision.reason}`;
    case 'reject':
      return `the tag handler would reject it (${decision.rejection.code}): ${decision.rejection.reason}`;
    case 'release':
      return `the tag handler would start ${decision.release.pipeline} on commit ${decision.commitId} once it is verified on ${config.factory.mainBranch}`;
  }
}

/**
 * `tfpf check-rule`: runs the project's rule patterns through EventBridge `TestEventPattern` for one event and prints
 * which rules match.
 */
export async function checkRuleCommand(options: CheckRuleOptions, io: CliIo): Promise<number> {
  const config = loadConfigOrReport(options.config, io);
  if (config === undefined) return EXIT_CONFIG;
  const event = options.event === undefined ? sampleTagEvent(config) : readEvent(options.event, io);
  if (event === undefined) return EXIT_CONFIG;
  const account = event.account as string;
  const eventRegion = event.region as string;
  let rules;
  try {
    rules = loadRuleTemplates(options.rules ?? path.join(projectRoot(), 'rules')).map((template) => ({
      name: template.name,
      pattern: renderPattern(template.pattern, {
        repositoryArn: codeCommitRepositoryArn(eventRegion, account, config.factory.repository),
        repositoryName: config.factory.repository,
        environments: config.environments.map((e) => e.environment),
      }),
    }));
  } catch (error) {
    if (!(error instanceof RulePatternError)) throw error;
    io.err(`tfpf: ${error.message}`);
    return EXIT_CONFIG;
  }

  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? eventRegion;
  const client = new EventBridgeClient({
    region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
  const where = options.endpoint ?? `EventBridge in ${region}`;
  const rows: string[][] = [];
  let matches = 0;
  let unanswered = 0;
  try {
    for (const rule of rules) {
      const { Result } = await client.send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify(rule.pattern),
          Event: JSON.stringify(event),
        }),
      );
      if (Result === true) matches += 1;
      if (Result === undefined) unanswered += 1;
      rows.push([rule.name, Result === undefined ? 'NO RESULT' : Result ? 'MATCH' : 'NO MATCH']);
    }
  } catch (error) {
    io.err(
      `tfpf: TestEventPattern failed at ${where}: ${(error as Error).name}: ${(error as Error).message}`,
    );
    return EXIT_CANNOT_EVALUATE;
  } finally {
    client.destroy();
  }

  const detail = event.detail as Record<string, unknown> | undefined;
  const tag = typeof detail?.referenceName === 'string' ? quoteUntrusted(detail.referenceName) : '(none)';
  io.out(
    `Event: ${options.event === undefined ? 'built-in sample' : options.event}, tag ${tag}, account ${quoteUntrusted(account)}, region ${quoteUntrusted(eventRegion)}`,
  );
  io.out(`Checked with TestEventPattern at ${where}`);
  io.out(renderTable(['RULE', 'RESULT'], rows));
  if (unanswered > 0) {
    io.err(
      `tfpf: ${where} answered TestEventPattern without a Result: this endpoint (an emulator such as moto, whose ` +
        'TestEventPattern is a stub) does not implement it. Run against AWS with your credentials, or see the ' +
        "moto rule-engine tests (npx jest test/rules) for the project's own checks.",
    );
    return EXIT_CANNOT_EVALUATE;
  }
  if (matches === 0) {
    io.out('No rule matches: this event does not invoke the tag handler.');
    return EXIT_NO_MATCH;
  }
  io.out(describeDecision(event, config));
  return 0;
}
