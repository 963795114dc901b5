import {
  CodeCommitClient,
  GetBranchCommand,
  GetCommitCommand,
  GetMergeOptionsCommand,
} from '@aws-sdk/client-codecommit';
import { mockClient } from 'aws-sdk-client-mock';
import { checkCommitOnMain } from '../../src/trigger/commit-checks';
import { COMMIT, MAIN_HEAD } from './fixtures';

// moto has no CodeCommit GetCommit/GetBranch/GetMergeOptions: these tests use aws-sdk-client-mock.
const codecommit = mockClient(CodeCommitClient);
const client = new CodeCommitClient({ region: 'eu-central-1' });

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name, $fault: 'client', $metadata: {} });
}

beforeEach(() => {
  codecommit.reset();
  codecommit.on(GetCommitCommand).callsFake((input: { commitId: string }) => ({
    commit: { commitId: input.commitId, treeId: 'e'.repeat(40), parents: [] },
  }));
  codecommit.on(GetBranchCommand).resolves({ branch: { branchName: 'main', commitId: MAIN_HEAD } });
});

describe('checkCommitOnMain', () => {
  test('an ancestor of main: GetMergeOptions(commit → main head) returns the commit as merge base', async () => {
    codecommit.on(GetMergeOptionsCommand).resolves({
      baseCommitId: COMMIT,
      sourceCommitId: COMMIT,
      destinationCommitId: MAIN_HEAD,
      mergeOptions: [],
    });
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toEqual({
      ok: true,
      mainHead: MAIN_HEAD,
    });
    expect(codecommit.commandCalls(GetMergeOptionsCommand)[0]?.args[0].input).toEqual({
      repositoryName: 'infra',
      sourceCommitSpecifier: COMMIT,
      destinationCommitSpecifier: MAIN_HEAD, // the head's commit id, never the name "main" (a tag could be named main)
    });
  });

  test('the head of main itself is on main without asking for merge options', async () => {
    codecommit.on(GetBranchCommand).resolves({ branch: { commitId: COMMIT } });
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toMatchObject({ ok: true });
    expect(codecommit.commandCalls(GetMergeOptionsCommand)).toHaveLength(0);
  });

  test('a commit on another branch: the merge base differs → not-on-main', async () => {
    codecommit.on(GetMergeOptionsCommand).resolves({ baseCommitId: 'b'.repeat(40) });
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toMatchObject({
      ok: false,
      code: 'not-on-main',
      reason: expect.stringContaining('is not on main'),
    });
  });

  test.each(['CommitIdDoesNotExistException', 'InvalidCommitIdException', 'CommitDoesNotExistException'])(
    'GetCommit %s → not-a-commit (e.g. an annotated tag object id)',
    async (name) => {
      codecommit.on(GetCommitCommand).rejects(awsError(name));
      await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toMatchObject({
        ok: false,
        code: 'not-a-commit',
      });
    },
  );

  test('GetCommit answering with another object id → not-a-commit', async () => {
    codecommit.on(GetCommitCommand).resolves({ commit: { commitId: 'c'.repeat(40), treeId: 't' } });
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toMatchObject({
      ok: false,
      code: 'not-a-commit',
    });
  });

  test('no main branch → no-main-branch', async () => {
    codecommit.on(GetBranchCommand).rejects(awsError('BranchDoesNotExistException'));
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toMatchObject({
      ok: false,
      code: 'no-main-branch',
    });
  });

  test('CodeCommit cannot compare (TipsDivergenceExceededException) → ancestry-unknown', async () => {
    codecommit.on(GetMergeOptionsCommand).rejects(awsError('TipsDivergenceExceededException'));
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toMatchObject({
      ok: false,
      code: 'ancestry-unknown',
    });
  });

  test.each([
    'ThrottlingException',
    'ServiceUnavailableException',
    'AccessDeniedException',
    'EncryptionKeyUnavailableException',
  ])('%s propagates (the invocation is retried), it is not a rejection', async (name) => {
    codecommit.on(GetMergeOptionsCommand).rejects(awsError(name));
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).rejects.toThrow(name);
  });
});
