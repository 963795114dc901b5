import { toFactoryModel, toTriggerConfig } from '../../src/trigger/trigger-config';
import {
  clientRequestToken,
  decide,
  ledgerKey,
  pipelineVariables,
  readReferenceEvent,
} from '../../src/trigger/release-decision';
import { COMMIT, defaultConfig, referenceEvent } from './fixtures';

const config = defaultConfig();

describe('decide: what the tag handler does with an event (pure)', () => {
  test('a valid tag created on a configured env/region/team is a release of that commit', () => {
    const decision = decide(referenceEvent(), config);
    expect(decision).toMatchObject({
      action: 'release',
      commitId: COMMIT,
      release: {
        tag: 'dev_eu-central-1/research/1.4.0',
        environment: 'dev',
        region: 'eu-central-1',
        targetRegion: 'eu-central-1',
        team: 'research',
        version: '1.4.0',
        stateKey: 'research/dev-eu-central-1/terraform.tfstate',
        account: '111111111111',
        pipeline: 'tfpf-dev',
      },
    });
  });

  test('a global tag targets the factory globalRegion', () => {
    const decision = decide(referenceEvent({ name: 'prod_global/risk/v2.0.0-rc.1' }), config);
    expect(decision).toMatchObject({
      action: 'release',
      release: {
        region: 'global',
        targetRegion: 'us-east-1',
        stateKey: 'risk/prod-global/terraform.tfstate',
      },
    });
  });

  test.each([
    ['dev_eu-west-3/research/1.0', 'unknown-region'],
    ['dev_eu-central-1/payments/1.0', 'unknown-team'],
    ['dev_eu-central-1/research/1.0+build', 'bad-character'],
    ['dev_eu-central-1/research/01.0', 'bad-version'],
    ['dev_eu-central-1/research/1.0/extra', 'bad-shape'],
    ['dev_eu-central-1/research/$(reboot)', 'bad-character'],
    ['dev_Eu-central-1/research/1.0', 'bad-scope'],
    ['devtest_eu-central-1/research/1.0', 'unknown-environment'],
    ['DEV_eu-central-1/research/1.0', 'bad-environment'],
    ['v1.0.0', 'bad-shape'],
  ])('tag %s is rejected (%s)', (name, code) => {
    const decision = decide(referenceEvent({ name }), config);
    expect(decision).toMatchObject({ action: 'reject', rejection: { code } });
  });

  test('a moved tag (referenceUpdated) is rejected: tags are immutable releases', () => {
    expect(decide(referenceEvent({ event: 'referenceUpdated' }), config)).toMatchObject({
      action: 'reject',
      rejection: { code: 'moved-tag' },
    });
  });

  test('a tag event without a valid commit id is rejected', () => {
    expect(decide(referenceEvent({ commitId: 'HEAD' }), config)).toMatchObject({
      action: 'reject',
      rejection: { code: 'missing-commit' },
    });
  });

  test.each([
    ['a deleted tag', referenceEvent({ event: 'referenceDeleted' })],
    ['a branch', referenceEvent({ referenceType: 'branch', name: 'dev_eu-central-1/research/1.0' })],
    ['another repository', referenceEvent({ repositoryName: 'other' })],
    ['not an object', 'hello'],
    ['null', null],
    ['another source', { ...referenceEvent(), source: 'aws.s3' }],
    ['no detail', { ...referenceEvent(), detail: 7 }],
  ])('%s is ignored', (_what, event) => {
    expect(decide(event, config).action).toBe('ignore');
  });

  test('readReferenceEvent explains non-events instead of throwing', () => {
    expect(readReferenceEvent([])).toBe('not an EventBridge event object');
    expect(readReferenceEvent({ ...referenceEvent(), detail: { event: 1 } })).toMatch(/detail lacks/);
  });

  test('an unknown environment is rejected with a suggestion (the rules would not deliver it)', () => {
    expect(decide(referenceEvent({ name: 'dve_eu-central-1/research/1.0' }), config)).toMatchObject({
      action: 'reject',
      rejection: { code: 'unknown-environment', reason: expect.stringContaining('did you mean "dev"') },
    });
  });
});

describe('derived values', () => {
  test('the token is stable per (tag, commit), within CodePipeline limits, and differs otherwise', () => {
    const token = clientRequestToken('dev_eu-central-1/research/1.0', COMMIT);
    expect(token).toMatch(/^[a-zA-Z0-9-]{1,128}$/);
    expect(clientRequestToken('dev_eu-central-1/research/1.0', COMMIT)).toBe(token);
    expect(clientRequestToken('dev_eu-central-1/research/1.1', COMMIT)).not.toBe(token);
  });

  test('ledger keys separate created and moved events of the same tag', () => {
    const created = readReferenceEvent(referenceEvent());
    const moved = readReferenceEvent(referenceEvent({ event: 'referenceUpdated' }));
    if (typeof created === 'string' || typeof moved === 'string') throw new Error('not events');
    expect(ledgerKey(created)).not.toBe(ledgerKey(moved));
  });

  test('pipeline variables follow the contract, none empty', () => {
    const decision = decide(referenceEvent({ name: 'qa_global/risk/1.0' }), config);
    if (decision.action !== 'release') throw new Error('expected a release');
    const variables = pipelineVariables(decision.release, decision.commitId);
    expect(Object.fromEntries(variables.map((v) => [v.name, v.value]))).toEqual({
      RELEASE_TAG: 'qa_global/risk/1.0',
      ENVIRONMENT: 'qa',
      REGION: 'global',
      TARGET_REGION: 'us-east-1',
      TEAM: 'risk',
      VERSION: '1.0',
      STATE_KEY: 'risk/qa-global/terraform.tfstate',
      TARGET_ACCOUNT: '222222222223',
      COMMIT_ID: COMMIT,
    });
    for (const v of variables) expect(v.value.length).toBeGreaterThan(0);
  });

  test('the config embedded in the handler resolves tags exactly like the full config', () => {
    const embedded = toFactoryModel(JSON.parse(JSON.stringify(toTriggerConfig(config))));
    for (const name of [
      'dev_eu-central-1/research/1.0',
      'staging_global/risk/3.1.4',
      'prod_us-east-1/nobody/1.0',
    ]) {
      expect(decide(referenceEvent({ name }), embedded)).toEqual(decide(referenceEvent({ name }), config));
    }
  });
});
