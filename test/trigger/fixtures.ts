/** Real-format CodeCommit reference events (EventBridge envelope + detail) for the trigger and rule tests. */
import * as path from 'node:path';
import { loadConfig, type FactoryModel } from '../../src/config';

/** The project's default configuration (pipelines/): dev, qa, staging, prod; research and risk. */
export function defaultConfig(): FactoryModel {
  return loadConfig(path.join(__dirname, '..', '..', 'pipelines'));
}

export const ACCOUNT = '123456789012';
export const REGION = 'eu-central-1';
export const REPOSITORY = 'infra';
export const CALLER = `arn:aws:iam::${ACCOUNT}:user/release-manager`;
export const COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
export const OTHER_COMMIT = 'ffffeeeeddddccccbbbbaaaa9999888877776666';
export const MAIN_HEAD = '0000111122223333444455556666777788889999';

export function repositoryArn(name = REPOSITORY, region = REGION, account = ACCOUNT): string {
  return `arn:aws:codecommit:${region}:${account}:${name}`;
}

export interface ReferenceEventOptions {
  readonly event?: 'referenceCreated' | 'referenceUpdated' | 'referenceDeleted';
  readonly referenceType?: 'tag' | 'branch';
  readonly name?: string;
  readonly commitId?: string;
  readonly oldCommitId?: string;
  readonly repositoryName?: string;
  readonly id?: string;
  readonly region?: string;
  readonly account?: string;
}

/** A CodeCommit "Repository State Change" event as EventBridge delivers it. */
export function referenceEvent(options: ReferenceEventOptions = {}): Record<string, unknown> {
  const event = options.event ?? 'referenceCreated';
  const type = options.referenceType ?? 'tag';
  const name = options.name ?? 'dev_eu-central-1/research/1.4.0';
  const repositoryName = options.repositoryName ?? REPOSITORY;
  const region = options.region ?? REGION;
  const account = options.account ?? ACCOUNT;
  const detail: Record<string, unknown> = {
    callerUserArn: CALLER,
    event,
    referenceFullName: `refs/${type === 'tag' ? 'tags' : 'heads'}/${name}`,
    referenceName: name,
    referenceType: type,
    repositoryId: '12345678-1234-5678-abcd-12345678abcd',
    repositoryName,
  };
  if (event !== 'referenceDeleted') detail.commitId = options.commitId ?? COMMIT;
  if (event === 'referenceUpdated') detail.oldCommitId = options.oldCommitId ?? OTHER_COMMIT;
  if (event === 'referenceDeleted') detail.oldCommitId = options.oldCommitId ?? COMMIT;
  return {
    version: '0',
    id: options.id ?? '01234567-0123-0123-0123-0123456789ab',
    'detail-type': 'CodeCommit Repository State Change',
    source: 'aws.codecommit',
    account,
    time: '2026-11-20T10:00:00Z',
    region,
    resources: [repositoryArn(repositoryName, region, account)],
    detail,
  };
}
