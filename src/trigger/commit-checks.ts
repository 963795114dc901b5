import {
  GetBranchCommand,
  GetCommitCommand,
  GetMergeOptionsCommand,
  type CodeCommitClient,
} from '@aws-sdk/client-codecommit';
import type { Rejection } from './release-decision';

/**
 * Checks that a tagged id is a commit reachable from the main branch.
 *
 * CodeCommit has no merge-base call. `GetMergeOptions(source = commit, destination = main head)` returns
 * `baseCommitId`, "the commit ID of the merge base" (CodeCommit API reference, GetMergeOptions response). The merge
 * base of a commit C and the head H of main is C exactly when C is an ancestor of H, i.e. reachable from main. When C
 * is the head itself nothing has to be merged, so that case is answered from `GetBranch` without asking for merge
 * options. Errors that mean "this is not a commit" become rejections; every other error (throttling, service,
 * access) propagates so the invocation is retried.
 */

const NOT_A_COMMIT = new Set([
  'CommitIdDoesNotExistException',
  'CommitDoesNotExistException',
  'InvalidCommitIdException',
  'InvalidCommitException',
]);
/** GetMergeOptions could not compute the comparison (very large divergence). */
const TOO_DIVERGENT = new Set([
  'TipsDivergenceExceededException',
  'MaximumFileContentToLoadExceededException',
  'MaximumItemsToCompareExceededException',
]);

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

export type CommitCheck =
  { readonly ok: true; readonly mainHead: string } | ({ readonly ok: false } & Rejection);

export async function checkCommitOnMain(
  client: CodeCommitClient,
  repositoryName: string,
  mainBranch: string,
  commitId: string,
): Promise<CommitCheck> {
  let isCommit: boolean;
  try {
    const { commit } = await client.send(new GetCommitCommand({ repositoryName, commitId }));
    // A tag object id would not come back as a commit with that id and a tree.
    isCommit = commit?.commitId === commitId && typeof commit.treeId === 'string';
  } catch (error) {
    if (!NOT_A_COMMIT.has(errorName(error))) throw error;
    isCommit = false;
  }
  if (!isCommit) {
    return {
      ok: false,
      code: 'not-a-commit',
      reason: `${commitId} is not a commit of ${repositoryName} (an annotated tag object?); tag a commit of ${mainBranch}`,
    };
  }

  let head: string | undefined;
  try {
    const { branch } = await client.send(new GetBranchCommand({ repositoryName, branchName: mainBranch }));
    head = branch?.commitId;
  } catch (error) {
    if (errorName(error) !== 'BranchDoesNotExistException') throw error;
  }
  if (head === undefined) {
    return {
      ok: false,
      code: 'no-main-branch',
      reason: `branch ${mainBranch} (factory mainBranch) does not exist in ${repositoryName}`,
    };
  }
  if (head === commitId) return { ok: true, mainHead: head };

  let base: string | undefined;
  try {
    const options = await client.send(
      new GetMergeOptionsCommand({
        repositoryName,
        sourceCommitSpecifier: commitId,
        destinationCommitSpecifier: head,
      }),
    );
    base = options.baseCommitId;
  } catch (error) {
    if (!TOO_DIVERGENT.has(errorName(error))) throw error;
    return {
      ok: false,
      code: 'ancestry-unknown',
      reason: `CodeCommit could not compare ${commitId} with ${mainBranch} (${errorName(error)}); tag a more recent commit of ${mainBranch}`,
    };
  }
  if (base !== commitId) {
    return {
      ok: false,
      code: 'not-on-main',
      reason: `commit ${commitId} is not on ${mainBranch} (merge base with ${mainBranch} is ${base ?? 'unknown'}); merge it first, then tag the merged commit`,
    };
  }
  return { ok: true, mainHead: head };
}
