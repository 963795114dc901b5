import {
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
}

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
  mock.on(GetBranchCommand).resolves({ branch: { branchName: 'main', commitId: head } });
  mock.on(GetMergeOptionsCommand).callsFake((input: { sourceCommitSpecifier: string }) => ({
    mergeOptions: ['THREE_WAY_MERGE'],
    sourceCommitId: input.sourceCommitSpecifier,
    destinationCommitId: head,
    // The merge base of an ancestor of main is the commit itself; of a commit elsewhere, an older main commit.
    baseCommitId: onMain(input.sourceCommitSpecifier) ? input.sourceCommitSpecifier : 'e'.repeat(40),
  }));
}
