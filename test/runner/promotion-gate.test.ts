import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunSetupError } from '../../src/runner';
import { localPromotionCheck } from '../../src/runner/local-deployments';
import { snapshotSource } from '../../src/runner/source';
import { CapturedIo, defaultConfig, fixture, tempDir } from './harness';
import { runRelease } from '../../src/runner';

/**
 * The promotion gate of `tfpf run` on the local run records: a prod release needs a staging run of the same team and
 * scope that applied the same commit. Refused runs stop before any build (no tool runs in these tests).
 */

const config = defaultConfig();
const REPO = fixture('clean');
/** The commit the runner derives for the fixture folder, as a run of it would. */
const COMMIT = snapshotSource(REPO, tempDir('tfpf-gate-src-')).commit;
const TARGET = { environment: 'prod', scope: 'eu-central-1', team: 'research' };

function writeRun(
  dataDir: string,
  id: string,
  env: string,
  team: string,
  scope: string,
  commit: string,
  applied: boolean,
): void {
  fs.mkdirSync(path.join(dataDir, 'runs', id), { recursive: true });
  fs.writeFileSync(
    path.join(dataDir, 'runs', id, 'run.json'),
    JSON.stringify({
      runId: id,
      createdAt: '2026-12-01T10:00:00.000Z',
      commit,
      pipeline: `tfpf-${env}`,
      release: {
        tag: `${env}_${scope}/${team}/1.3.0`,
        environment: env,
        region: scope,
        team,
        version: '1.3.0',
        stateKey: `${team}/${env}-${scope}/terraform.tfstate`,
      },
      checks: { tflint: 'SUCCEEDED', checkov: 'SUCCEEDED', tfsec: 'SUCCEEDED', plan: 'SUCCEEDED' },
      applied,
      ...(applied ? { appliedAt: '2026-12-01T10:05:00.000Z', applyStatus: 'SUCCEEDED' } : {}),
    }),
  );
}

describe('tfpf run: local promotion gate', () => {
  test('a prod run without a staging apply of its commit is refused before any build, and leaves no run', async () => {
    const dataDir = tempDir('tfpf-gate-');
    writeRun(dataDir, '20261201-100000-aaaa', 'staging', 'research', 'eu-central-1', 'f'.repeat(40), true);
    const io = new CapturedIo();
    const attempt = runRelease(
      { config, tag: 'prod_eu-central-1/research/1.4.0', repo: REPO, approve: false, dataDir },
      io,
    );
    await expect(attempt).rejects.toThrow(RunSetupError);
    await expect(attempt).rejects.toThrow(
      `tfpf run: promotion: commit ${COMMIT.slice(0, 7)} has not been applied in staging for research/eu-central-1; last applied there: staging_eu-central-1/research/1.3.0 at fffffff on 2026-12-01T10:05:00.000Z. prod releases only what staging runs: release this commit to staging first (a staging_eu-central-1/research/<version> tag), then push a new prod tag`,
    );
    expect(fs.readdirSync(path.join(dataDir, 'runs'))).toEqual(['20261201-100000-aaaa']);
  });

  test('the commit applied by a staging run of the same team and scope passes', () => {
    const dataDir = tempDir('tfpf-gate-');
    writeRun(dataDir, '20261201-100000-aaaa', 'staging', 'research', 'eu-central-1', COMMIT, true);
    expect(localPromotionCheck(dataDir, TARGET, COMMIT, 'staging')).toEqual({
      ok: true,
      from: 'staging',
      applied: {
        tag: 'staging_eu-central-1/research/1.3.0',
        version: '1.3.0',
        commit: COMMIT,
        executionId: '20261201-100000-aaaa',
        at: Date.UTC(2026, 11, 1, 10, 5),
      },
    });
  });

  test.each([
    ['another team', 'risk', 'eu-central-1', true],
    ['another region', 'research', 'us-east-1', true],
    ['a staging run that was not applied', 'research', 'eu-central-1', false],
  ])('%s does not count', (_what, team, scope, applied) => {
    const dataDir = tempDir('tfpf-gate-');
    writeRun(dataDir, '20261201-100000-aaaa', 'staging', team, scope, COMMIT, applied);
    expect(localPromotionCheck(dataDir, TARGET, COMMIT, 'staging')).toEqual({
      ok: false,
      code: 'not-promoted',
      reason: `commit ${COMMIT.slice(0, 7)} has not been applied in staging for research/eu-central-1; nothing has been applied there yet. prod releases only what staging runs: release this commit to staging first (a staging_eu-central-1/research/<version> tag), then push a new prod tag`,
    });
  });
});
