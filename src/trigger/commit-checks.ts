import {
  BatchGetCommitsCommand,
  GetBranchCommand,
  GetCommitCommand,
  GetMergeOptionsCommand,
  type CodeCommitClient,
} from '@aws-sdk/client-codecommit';
import type { Rejection } from './release-decision';

/**
 * Checks that a tagged id is a commit reachable from the main branch.
 *
 * CodeCommit has no merge-base call. Fast path: `GetMergeOptions(source = commit, destination = main head)` returns
 * `baseCommitId`, "the commit ID of the merge base" (CodeCommit API reference); when it is the commit itself, the
 * commit is an ancestor of the head. AWS does not document what the call answers when the source is already an
 * ancestor of the destination, so only that positive answer is trusted: on any error of the call, and on any other
 * answer, the check walks main's history instead (`BatchGetCommits` from the head through every parent,
 * breadth-first), bounded by {@link ANCESTRY_WALK_MAX_COMMITS} commits and {@link ANCESTRY_WALK_MAX_MS}. A commit
 * not found within the bound is refused (`ancestry-unknown`), never started; one absent from the whole history is
 * `not-on-main`. When the commit is the head itself nothing is asked beyond `GetBranch`. Errors that mean "this is not
 * a commit" become rejections; errors of the walk (throttling, service, access) propagate so the invocation is
 * retried.
 */

/** Most commits of main's history the fallback walk reads (breadth-first from the head). */
export const ANCESTRY_WALK_MAX_COMMITS = 300;
/** Longest time the fallback walk may take (the handler times out at 30 s). */
export const ANCESTRY_WALK_MAX_MS = 12_000;
/** BatchGetCommits takes at most 100 ids per call. */
const BATCH_SIZE = 100;

const NOT_A_COMMIT = new Set([
  'CommitIdDoesNotExistException',
  'CommitDoesNotExistException',
  'InvalidCommitIdException',
  'InvalidCommitException',
]);

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

export type CommitCheck =
  | { readonly ok: true; readonly mainHead: string; readonly confirmedBy: 'head' | 'merge-base' | 'history' }
  | ({ readonly ok: false } & Rejection);

export interface AncestryOptions {
  readonly maxCommits?: number;
  readonly maxMs?: number;
  /** Clock in milliseconds; default Date.now. */
  readonly now?: () => number;
}

type WalkResult =
  | { readonly found: true }
  | { readonly found: false; readonly complete: true; readonly read: number }
  | { readonly found: false; readonly complete: false; readonly why: string };

/** Breadth-first walk of the parents of `head`, looking for `target` (bounded in commits and time). */
async function walkHistory(
  client: CodeCommitClient,
  repositoryName: string,
  head: string,
  target: string,
  options: AncestryOptions,
): Promise<WalkResult> {
  const maxCommits = options.maxCommits ?? ANCESTRY_WALK_MAX_COMMITS;
  const maxMs = options.maxMs ?? ANCESTRY_WALK_MAX_MS;
  const now = options.now ?? Date.now;
  const start = now();
  const seen = new Set([head]);
  const frontier = [head];
  const unreadable: string[] = [];
  let read = 0;
  while (frontier.length > 0) {
    if (read >= maxCommits) {
      return { found: false, complete: false, why: `not among the ${maxCommits} most recent commits read` };
    }
    if (now() - start >= maxMs) {
      return { found: false, complete: false, why: `not found within ${maxMs} ms (${read} commits read)` };
    }
    const batch = frontier.splice(0, Math.min(BATCH_SIZE, maxCommits - read));
    const { commits = [] } = await client.send(
      new BatchGetCommitsCommand({ repositoryName, commitIds: batch }),
    );
    read += batch.length;
    const answered = new Set<string>();
    for (const commit of commits) {
      if (commit.commitId === undefined || !batch.includes(commit.commitId)) continue;
      answered.add(commit.commitId);
      for (const parent of commit.parents ?? []) {
        if (parent === target) return { found: true };
        if (!seen.has(parent)) {
          seen.add(parent);
          frontier.push(parent);
        }
      }
    }
    unreadable.push(...batch.filter((id) => !answered.has(id)));
  }
  if (unreadable.length > 0) {
    return {
      found: false,
      complete: false,
      why: `${unreadable.length} commit(s) of its history could not be read (${unreadable.slice(0, 3).join(', ')})`,
    };
  }
  return { found: false, complete: true, read };
}

export async function checkCommitOnMain(
  client: CodeCommitClient,
  repositoryName: string,
  mainBranch: string,
  commitId: string,
  options: AncestryOptions = {},
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
  if (head === commitId) return { ok: true, mainHead: head, confirmedBy: 'head' };

  try {
    const merge = await client.send(
      new GetMergeOptionsCommand({
        repositoryName,
        sourceCommitSpecifier: commitId,
        destinationCommitSpecifier: head,
      }),
    );
    if (merge.baseCommitId === commitId) return { ok: true, mainHead: head, confirmedBy: 'merge-base' };
  } catch {
    // Any error of the fast path (too divergent, throttled, undocumented): the walk decides.
  }

  const walk = await walkHistory(client, repositoryName, head, commitId, options);
  if (walk.found) return { ok: true, mainHead: head, confirmedBy: 'history' };
  if (walk.complete) {
    return {
      ok: false,
      code: 'not-on-main',
      reason: `commit ${commitId} is not on ${mainBranch} (not among the ${walk.read} commits of its history); merge it first, then tag the merged commit`,
    };
  }
  return {
    ok: false,
    code: 'ancestry-unknown',
    reason: `could not confirm that commit ${commitId} is on ${mainBranch}: ${walk.why} (the check reads at most ${options.maxCommits ?? ANCESTRY_WALK_MAX_COMMITS} commits of ${mainBranch} from its head); tag a more recent commit of ${mainBranch}`,
  };
}
