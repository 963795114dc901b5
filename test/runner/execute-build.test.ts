import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBuildSpec, BuildSpecFormatError } from '../../src/runner/buildspec';
import { executeBuild, junitCounts, type BuildResult } from '../../src/runner/execute-build';
import { globToRegExp } from '../../src/runner/glob';

// CodeBuild semantics of the local runner, on small inline buildspecs executed with bash.

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-exec-'));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

async function build(
  yaml: string,
  environment: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<BuildResult> {
  const srcDir = path.join(work, 'src');
  fs.mkdirSync(srcDir, { recursive: true });
  return executeBuild({
    spec: parseBuildSpec(yaml, 'inline.yml'),
    srcDir,
    outDir: path.join(work, 'out'),
    timeoutMs,
    baseEnvironment: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
    environment: { CODEBUILD_SRC_DIR: srcDir, ...environment },
  });
}

function log(): string {
  return fs.readFileSync(path.join(work, 'out', 'build.log'), 'utf8');
}

describe('executeBuild', () => {
  test('GIVEN exported variables and cd WHEN later commands run THEN they see them; unexported ones do not carry', async () => {
    const result = await build(`
version: 0.2
env:
  shell: bash
  exported-variables: [RESULT]
phases:
  install:
    commands:
      - |
        set -euo pipefail
        export CARRIED=yes
        LOCAL_ONLY=yes
        mkdir -p sub && cd sub
  build:
    commands:
      - |
        set -euo pipefail
        export RESULT="carried=\${CARRIED:-no} local=\${LOCAL_ONLY:-no} dir=$(basename "$PWD")"
`);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.exportedVariables).toEqual({ RESULT: 'carried=yes local=no dir=sub' });
  });

  test('GIVEN buildspec, project and action values WHEN merged THEN project/action values override env.variables', async () => {
    const result = await build(
      `
version: 0.2
env:
  shell: bash
  variables: { A: from-buildspec, B: from-buildspec }
  exported-variables: [A, B]
phases:
  build:
    commands: ['true']
`,
      { B: 'from-project' },
    );
    expect(result.exportedVariables).toEqual({ A: 'from-buildspec', B: 'from-project' });
  });

  test('GIVEN an install failure THEN later phases are skipped, post_build included', async () => {
    const result = await build(`
version: 0.2
env: { shell: bash }
phases:
  install: { commands: ['exit 3'] }
  build: { commands: ['echo never-built'] }
  post_build: { commands: ['echo never-posted'] }
`);
    expect(result.status).toBe('FAILED');
    expect(result.reason).toBe('install phase failed (exit 3)');
    expect(result.phases.map((p) => [p.name, p.status])).toEqual([
      ['install', 'FAILED'],
      ['build', 'SKIPPED'],
      ['post_build', 'SKIPPED'],
    ]);
    expect(log()).not.toContain('never-');
  });

  test('GIVEN a build failure THEN post_build still runs with CODEBUILD_BUILD_SUCCEEDING=0 and finally runs', async () => {
    const result = await build(`
version: 0.2
env: { shell: bash }
phases:
  build:
    commands: ['echo building', 'false', 'echo not-reached']
    finally: ['echo cleanup-ran']
  post_build:
    commands: ['echo "succeeding=$CODEBUILD_BUILD_SUCCEEDING"']
`);
    expect(result.status).toBe('FAILED');
    expect(log()).toContain('cleanup-ran');
    expect(log()).toContain('succeeding=0');
    expect(log()).not.toContain('not-reached');
  });

  test('GIVEN on-failure CONTINUE in install THEN the next phases run but the build fails', async () => {
    const result = await build(`
version: 0.2
env: { shell: bash }
phases:
  install: { on-failure: CONTINUE, commands: ['false'] }
  build: { commands: ['echo built-anyway'] }
`);
    expect(result.status).toBe('FAILED');
    expect(log()).toContain('built-anyway');
  });

  test('GIVEN artifacts and a JUnit report THEN files are collected and counted', async () => {
    const result = await build(`
version: 0.2
env: { shell: bash }
phases:
  build:
    commands:
      - |
        set -euo pipefail
        mkdir -p out/nested reports
        echo plan >out/tfplan; echo meta >out/nested/meta.json; echo x >out/ignored.txt
        printf '<testsuites><testsuite tests="3" failures="1" errors="0" skipped="1"></testsuite></testsuites>' >reports/t.xml
artifacts:
  base-directory: out
  files: [tfplan, '**/*.json']
reports:
  scan:
    files: ['*.xml']
    base-directory: reports
    file-format: JUNITXML
`);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.artifacts).toEqual(['nested/meta.json', 'tfplan']);
    expect(fs.readFileSync(path.join(result.artifactsDir as string, 'tfplan'), 'utf8')).toBe('plan\n');
    expect(result.reports).toEqual([
      expect.objectContaining({ group: 'scan', tests: 3, failures: 1, errors: 0, skipped: 1 }),
    ]);
  });

  test('GIVEN declared artifacts that were never written THEN the build fails like CodeBuild', async () => {
    const result = await build(`
version: 0.2
env: { shell: bash }
phases:
  build: { commands: ['true'] }
artifacts:
  files: [missing.bin]
`);
    expect(result.status).toBe('FAILED');
    expect(result.reason).toBe('no matching artifact paths found');
  });

  test('GIVEN a command that outlives the timeout THEN it is killed, with its children, and the build times out', async () => {
    const started = Date.now();
    const result = await build(
      `
version: 0.2
env: { shell: bash }
phases:
  build: { commands: ['sleep 30 & sleep 30'] }
  post_build: { commands: ['echo never'] }
`,
      {},
      1500,
    );
    expect(result.status).toBe('TIMED_OUT');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.phases.find((p) => p.name === 'post_build')?.status).toBe('SKIPPED');
  });
});

describe('parseBuildSpec', () => {
  test('rejects keys the local runner would silently ignore', () => {
    expect(() =>
      parseBuildSpec(
        `
version: 0.2
env: { shell: bash, parameter-store: { X: /x } }
phases:
  install: { runtime-versions: { python: 3.12 }, commands: ['true'] }
`,
        'x.yml',
      ),
    ).toThrow(BuildSpecFormatError);
  });

  test('requires version 0.2 and bash', () => {
    expect(() => parseBuildSpec('version: 0.1\nphases: { build: { commands: [true] } }\n', 'x.yml')).toThrow(
      /version must be 0.2.*env.shell must be bash/,
    );
  });
});

describe('glob and JUnit helpers', () => {
  test.each([
    ['tfplan', 'tfplan', true],
    ['*.json', 'plan.json', true],
    ['*.json', 'a/plan.json', false],
    ['**/*.json', 'plan.json', true],
    ['**/*', 'a/b/c', true],
    ['.terraform.lock.hcl', '.terraform.lock.hcl', true],
  ])('%s matches %s: %s', (pattern, file, expected) => {
    expect(globToRegExp(pattern).test(file)).toBe(expected);
  });

  test('sums the counts of every testsuite', () => {
    expect(
      junitCounts(
        '<testsuites><testsuite tests="2" failures="1"/><testsuite tests="1" errors="1" skipped="0"/></testsuites>',
      ),
    ).toEqual({ tests: 3, failures: 1, errors: 1, skipped: 0 });
  });
});
