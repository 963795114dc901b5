import {
  BatchGetCommitsCommand,
  type CodeCommitClient,
  GetBranchCommand,
  GetCommitCommand,
  GetMergeOptionsCommand,
} from '@aws-sdk/client-codecommit';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { MAIN_HEAD } from './fixtures';

/** Commit ids the fake CodeCommit repository knows, and which of them are on main. */
export interface FakeRepository {
  /** Commits reachable from main (the head is always one). Default: every 40-hex id. */
  readonly onMain?: (commitId: string) => boolean;
  /** Ids that are not commits (e.g. annotated tag objects). */
  readonly notCommits?: ReadonlySet<string>;
  readonly head?: string;
  /**
   * Parents of the commits of main's history, for BatchGetCommits (the ancestry walk). Default: the head has one
   * parent, a root commit: a commit whose merge base is not itself is then found nowhere in main's history.
   */
  readonly history?: ReadonlyMap<string, readonly string[]>;
}

/** The root commit of the default fake history. */
export const ROOT_COMMIT = '1'.repeat(40);

type CodeCommitMock = AwsClientStub<CodeCommitClient>;

/** Answers GetCommit/GetBranch/GetMergeOptions like CodeCommit would for a repository (moto lacks these calls). */
export function fakeCodeCommit(mock: CodeCommitMock, repo: FakeRepository = {}): void {
  const head = repo.head ?? MAIN_HEAD;
  const onMain = repo.onMain ?? ((id: string) => /^[0-9a-f]{40}$/.test(id));
  mock.on(GetCommitCommand).callsFake((input: { commitId: string }) => {
    if (repo.notCommits?.has(input.commitId) || !/^[0-9a-f]{40}$/.test(input.commitId)) {
      throw Object.assign(new Error(`Could not find commit ${input.commitId}`), {
        name: 'CommitIdDoesNotExistException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return { commit: { commitId: input.commitId, treeId: 'f'.repeat(40), parents: [] } };
  });
  const history =
    repo.history ??
    new Map([
      [head, [ROOT_COMMIT]],
      [ROOT_COMMIT, []],
    ]);
  mock.on(BatchGetCommitsCommand).callsFake((input: { commitIds: string[] }) => ({
    commits: input.commitIds
      .filter((id) => history.has(id))
      .map((id) => ({ commitId: id, treeId: 'f'.repeat(40), parents: [...history.get(id)!] })),
    errors: input.commitIds
      .filter((id) => !history.has(id))
      .map((id) => ({
        commitId: id,
        errorCode: 'CommitIdDoesNotExistException',
        errorMessage: 'no such commit',
      })),
  }));
  mock.on(GetBranchCommand).resolves({ branch: { branchName: 'main', commitId: head } });
  mock.on(GetMergeOptionsCommand).callsFake((input: { sourceCommitSpecifier: string }) => ({
    mergeOptions: ['THREE_WAY_MERGE'],
    sourceCommitId: input.sourceCommitSpecifier,
    destinationCommitId: head,
    // The merge base of an ancestor of main is the commit itself; of a commit elsewhere, an older main commit.
    baseCommitId: onMain(input.sourceCommitSpecifier) ? input.sourceCommitSpecifier : 'e'.repeat(40),
  }));
}
