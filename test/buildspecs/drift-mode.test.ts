import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { libraryFiles } from '../../src/pipeline/buildspec-compose';
import { projectRoot } from '../../src/local/project-paths';
import { tempDir } from '../runner/harness';

// The drift mode switch of the plan buildspec (tfpf_plan_mode) and the drift counts (tfpf_stage.py drift-counts).
// The whole drift build runs with real terraform in test/runner/drift.test.ts.

const lib = tempDir('tfpf-drift-lib-');
for (const [name, text] of libraryFiles(path.join(projectRoot(), 'buildspecs'), ['common.sh', 'tfpf_stage.py'])) {
  fs.writeFileSync(path.join(lib, name), text);
}

function planMode(mode: string | undefined): { code: number; stdout: string; stderr: string } {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: lib, TFPF_LIB: lib };
  if (mode !== undefined) env.TFPF_MODE = mode;
  const result = spawnSync(
    'bash',
    ['-c', 'set -euo pipefail; . "$TFPF_LIB/common.sh"; TFPF_PLAN_MODE="$(tfpf_plan_mode)"; echo "mode $TFPF_PLAN_MODE"'],
    { env, encoding: 'utf8' },
  );
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

test.each([
  [undefined, 'release'],
  ['release', 'release'],
  ['drift', 'drift'],
])('TFPF_MODE %s runs the %s mode', (mode, expected) => {
  expect(planMode(mode)).toEqual({ code: 0, stdout: `mode ${expected}\n`, stderr: '' });
});

test('an empty TFPF_MODE is unset: the pipeline plan', () => {
  expect(planMode('')).toEqual({ code: 0, stdout: 'mode release\n', stderr: '' });
});

test.each(['Drift', 'drift ', 'apply'])('TFPF_MODE %j stops the build before anything runs', (mode) => {
  expect(planMode(mode)).toEqual({ code: 1, stdout: '', stderr: `invalid TFPF_MODE: '${mode}' (release or drift)\n` });
});

test('drift counts follow Terraform: a replacement is one to add and one to destroy; data sources and no-ops do not count', () => {
  const plan = {
    resource_changes: [
      { mode: 'managed', change: { actions: ['create'] } },
      { mode: 'managed', change: { actions: ['update'] } },
      { mode: 'managed', change: { actions: ['update'] } },
      { mode: 'managed', change: { actions: ['delete'] } },
      { mode: 'managed', change: { actions: ['delete', 'create'] } },
      { mode: 'managed', change: { actions: ['create', 'delete'] } },
      { mode: 'managed', change: { actions: ['no-op'] } },
      { mode: 'data', change: { actions: ['read'] } },
      { mode: 'data', change: { actions: ['create'] } },
    ],
  };
  const file = path.join(lib, 'plan.json');
  fs.writeFileSync(file, JSON.stringify(plan));
  const result = spawnSync('python3', [path.join(lib, 'tfpf_stage.py'), 'drift-counts', file], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  expect(result.stdout).toBe('3\n2\n3\n');
});
