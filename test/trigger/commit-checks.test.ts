import {
  BatchGetCommitsCommand,
  CodeCommitClient,
  GetBranchCommand,
  GetCommitCommand,
  GetMergeOptionsCommand,
} from '@aws-sdk/client-codecommit';
import { mockClient } from 'aws-sdk-client-mock';
import { ANCESTRY_WALK_MAX_COMMITS, checkCommitOnMain } from '../../src/trigger/commit-checks';
import { COMMIT, MAIN_HEAD } from './fixtures';

// moto has no CodeCommit GetCommit/GetBranch/GetMergeOptions/BatchGetCommits: these tests use aws-sdk-client-mock.
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
      confirmedBy: 'merge-base',
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
});

/** A linear history of main: ids c…0 (head) → c…1 → … → c…(n-1) (root). */
function linearHistory(n: number): { ids: string[]; parents: Map<string, string[]> } {
  const ids = Array.from({ length: n }, (_, i) => `c${i.toString(16).padStart(39, '0')}`);
  const parents = new Map(ids.map((id, i) => [id, i + 1 < n ? [ids[i + 1]!] : []]));
  return { ids, parents };
}

/** Answers BatchGetCommits from `parents`; ids it does not know come back as errors. */
function serveHistory(parents: ReadonlyMap<string, readonly string[]>): void {
  codecommit.on(BatchGetCommitsCommand).callsFake((input: { commitIds: string[] }) => ({
    commits: input.commitIds
      .filter((id) => parents.has(id))
      .map((id) => ({ commitId: id, treeId: 't', parents: [...parents.get(id)!] })),
    errors: input.commitIds.filter((id) => !parents.has(id)).map((id) => ({ commitId: id })),
  }));
}

describe('checkCommitOnMain: fallback walk of main’s history (GetMergeOptions in doubt)', () => {
  const { ids, parents } = linearHistory(50);
  const head = ids[0]!;
  const deep = ids[37]!;

  beforeEach(() => {
    codecommit.on(GetBranchCommand).resolves({ branch: { branchName: 'main', commitId: head } });
    serveHistory(parents);
  });

  // Catches: trusting a negative GetMergeOptions answer (its meaning for an ancestor is undocumented).
  test('merge base differs, but the commit is in main’s history → on main (confirmed by the walk)', async () => {
    codecommit.on(GetMergeOptionsCommand).resolves({ baseCommitId: ids[49] });
    await expect(checkCommitOnMain(client, 'infra', 'main', deep)).resolves.toEqual({
      ok: true,
      mainHead: head,
      confirmedBy: 'history',
    });
    // Read from the head, one batch per generation (the walk learns parents only by reading a commit).
    const batches = codecommit.commandCalls(BatchGetCommitsCommand).map((c) => c.args[0].input.commitIds);
    expect(batches).toHaveLength(37);
    expect(batches[0]).toEqual([head]);
    expect(codecommit.commandCalls(BatchGetCommitsCommand)[0]!.args[0].input.repositoryName).toBe('infra');
  });

  test.each([
    'TipsDivergenceExceededException',
    'MaximumItemsToCompareExceededException',
    'ThrottlingException',
    'AccessDeniedException',
    'SomeUndocumentedException',
  ])('GetMergeOptions fails with %s → the walk decides (found → on main)', async (name) => {
    codecommit.on(GetMergeOptionsCommand).rejects(awsError(name));
    await expect(checkCommitOnMain(client, 'infra', 'main', deep)).resolves.toMatchObject({
      ok: true,
      confirmedBy: 'history',
    });
  });

  test('GetMergeOptions answers without a merge base → the walk decides', async () => {
    codecommit.on(GetMergeOptionsCommand).resolves({});
    await expect(checkCommitOnMain(client, 'infra', 'main', ids[1]!)).resolves.toMatchObject({ ok: true });
  });

  test('the merge base is the commit → on main, no walk (the fast path)', async () => {
    codecommit.on(GetMergeOptionsCommand).resolves({ baseCommitId: deep });
    await expect(checkCommitOnMain(client, 'infra', 'main', deep)).resolves.toMatchObject({
      ok: true,
      confirmedBy: 'merge-base',
    });
    expect(codecommit.commandCalls(BatchGetCommitsCommand)).toHaveLength(0);
  });

  // Catches: a fallback that says "on main" when the walk did not find the commit.
  test('a commit absent from the whole history → not-on-main, naming how much was read', async () => {
    codecommit.on(GetMergeOptionsCommand).rejects(awsError('TipsDivergenceExceededException'));
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toEqual({
      ok: false,
      code: 'not-on-main',
      reason: `commit ${COMMIT} is not on main (not among the 50 commits of its history); merge it first, then tag the merged commit`,
    });
  });

  test('merge commits: every parent is followed, each commit read once', async () => {
    // head → m (merge of a and b) ; a → root ; b → side → root
    const id = (c: string): string => c.repeat(40);
    const graph = new Map<string, string[]>([
      [id('1'), [id('2')]],
      [id('2'), [id('3'), id('4')]],
      [id('3'), [id('6')]],
      [id('4'), [id('5')]],
      [id('5'), [id('6')]],
      [id('6'), []],
    ]);
    codecommit.on(GetBranchCommand).resolves({ branch: { commitId: id('1') } });
    serveHistory(graph);
    codecommit.on(GetMergeOptionsCommand).resolves({ baseCommitId: id('6') });
    await expect(checkCommitOnMain(client, 'infra', 'main', id('5'))).resolves.toMatchObject({ ok: true });
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toMatchObject({
      code: 'not-on-main',
      reason: expect.stringContaining('not among the 6 commits'),
    });
    const read = codecommit
      .commandCalls(BatchGetCommitsCommand)
      .slice(-4)
      .flatMap((c) => c.args[0].input.commitIds ?? []);
    expect(read.sort()).toEqual([...graph.keys()].sort()); // the second check: each of the 6 read exactly once
  });

  // Catches: an unbounded walk, or one that treats "not found within the bound" as a proof either way.
  test(`a commit beyond the bound (${ANCESTRY_WALK_MAX_COMMITS} commits) → ancestry-unknown, never on main`, async () => {
    const long = linearHistory(ANCESTRY_WALK_MAX_COMMITS + 20);
    codecommit.on(GetBranchCommand).resolves({ branch: { commitId: long.ids[0] } });
    serveHistory(long.parents);
    codecommit.on(GetMergeOptionsCommand).rejects(awsError('TipsDivergenceExceededException'));
    const beyond = long.ids[ANCESTRY_WALK_MAX_COMMITS + 5]!;
    await expect(checkCommitOnMain(client, 'infra', 'main', beyond)).resolves.toEqual({
      ok: false,
      code: 'ancestry-unknown',
      reason: `could not confirm that commit ${beyond} is on main: not among the ${ANCESTRY_WALK_MAX_COMMITS} most recent commits read (the check reads at most ${ANCESTRY_WALK_MAX_COMMITS} commits of main from its head); tag a more recent commit of main`,
    });
    expect(codecommit.commandCalls(BatchGetCommitsCommand)).toHaveLength(ANCESTRY_WALK_MAX_COMMITS);
    // The last commit within the bound is still found.
    await expect(
      checkCommitOnMain(client, 'infra', 'main', long.ids[ANCESTRY_WALK_MAX_COMMITS]!),
    ).resolves.toMatchObject({ ok: true });
  });

  test('a wide history is read up to 100 ids per call and stops at the bound', async () => {
    const id = (i: number): string => `d${i.toString(16).padStart(39, '0')}`;
    const graph = new Map<string, string[]>([[id(0), Array.from({ length: 250 }, (_, i) => id(i + 1))]]);
    for (let i = 1; i <= 250; i++) graph.set(id(i), []);
    codecommit.on(GetBranchCommand).resolves({ branch: { commitId: id(0) } });
    serveHistory(graph);
    codecommit.on(GetMergeOptionsCommand).resolves({});
    await expect(
      checkCommitOnMain(client, 'infra', 'main', COMMIT, { maxCommits: 120 }),
    ).resolves.toMatchObject({
      code: 'ancestry-unknown',
      reason: expect.stringContaining('at most 120 commits'),
    });
    expect(
      codecommit.commandCalls(BatchGetCommitsCommand).map((c) => c.args[0].input.commitIds!.length),
    ).toEqual([1, 100, 19]);
  });

  test('the walk is bounded in time too', async () => {
    let clock = 0;
    codecommit.on(GetMergeOptionsCommand).resolves({});
    codecommit.on(BatchGetCommitsCommand).callsFake((input: { commitIds: string[] }) => {
      clock += 1000;
      return {
        commits: input.commitIds.map((id) => ({ commitId: id, parents: [...(parents.get(id) ?? [])] })),
      };
    });
    await expect(
      checkCommitOnMain(client, 'infra', 'main', ids[40]!, { maxMs: 5000, now: () => clock }),
    ).resolves.toMatchObject({
      code: 'ancestry-unknown',
      reason: expect.stringContaining('not found within 5000 ms (5 commits read)'),
    });
  });

  test('a commit of the history that cannot be read → ancestry-unknown (not a proof of absence)', async () => {
    const broken = new Map(parents);
    broken.delete(ids[10]!);
    serveHistory(broken);
    codecommit.on(GetMergeOptionsCommand).resolves({});
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toMatchObject({
      code: 'ancestry-unknown',
      reason: expect.stringContaining(`1 commit(s) of its history could not be read (${ids[10]})`),
    });
  });

  test('answers for ids that were not asked for are ignored', async () => {
    codecommit.on(GetMergeOptionsCommand).resolves({});
    codecommit.on(BatchGetCommitsCommand).resolves({
      commits: [{ commitId: 'f'.repeat(40), parents: [COMMIT] }],
    });
    await expect(checkCommitOnMain(client, 'infra', 'main', COMMIT)).resolves.toMatchObject({
      code: 'ancestry-unknown',
    });
  });

  test.each(['ThrottlingException', 'ServiceUnavailableException', 'AccessDeniedException'])(
    'the walk failing with %s propagates (the invocation is retried), it is not a rejection',
    async (name) => {
      codecommit.on(GetMergeOptionsCommand).resolves({});
      codecommit.on(BatchGetCommitsCommand).rejects(awsError(name));
      await expect(checkCommitOnMain(client, 'infra', 'main', deep)).rejects.toThrow(name);
    },
  );
});
