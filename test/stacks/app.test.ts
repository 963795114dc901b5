import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cdkJsonContext, PROJECT_ROOT, writeGeneratedConfig } from '../support/test-app';

/** Runs `src/app.ts` the way the CDK CLI does (context in CDK_CONTEXT_JSON, output in CDK_OUTDIR). */
function runApp(context: Record<string, unknown>): { status: number | null; stderr: string; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-cdkout-'));
  const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join('src', 'app.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      // the CDK CLI merges cdk.json's context with -c values
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context }),
      CDK_DEFAULT_ACCOUNT: '123456789012',
      CDK_DEFAULT_REGION: 'eu-central-1',
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stderr: result.stderr, outdir };
}

function stackNames(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string }>;
  };
  return Object.entries(manifest.artifacts)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([name]) => name)
    .sort();
}

describe('CDK app entry (src/app.ts)', () => {
  test('-c config=<dir> synthesizes that configuration; bootstrap stacks only with -c bootstrap=true', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-config-'));
    writeGeneratedConfig(dir, { environments: 2, regions: 2, teams: 2 });
    const plain = runApp({ config: dir });
    expect(plain.stderr).not.toMatch(/tfpf:/);
    expect(plain.status).toBe(0);
    expect(stackNames(plain.outdir)).toEqual(['tfpf-pipeline-dev', 'tfpf-pipeline-env1', 'tfpf-tooling']);

    const withBootstrap = runApp({ config: dir, bootstrap: 'true', toolingAccount: '123456789012' });
    expect(withBootstrap.status).toBe(0);
    expect(stackNames(withBootstrap.outdir)).toEqual([
      'tfpf-bootstrap-dev-100000000000',
      'tfpf-bootstrap-dev-100000000001',
      'tfpf-bootstrap-env1-100000001000',
      'tfpf-bootstrap-env1-100000001001',
      'tfpf-pipeline-dev',
      'tfpf-pipeline-env1',
      'tfpf-tooling',
    ]);
  });

  test('bootstrap=true without the tooling account is refused with a clear message', () => {
    const result = runApp({ bootstrap: 'true' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'tfpf: bootstrap=true needs the tooling account: -c toolingAccount=<12-digit account id>',
    );
  });

  test('an invalid configuration folder fails with every problem, and no stack trace', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-config-'));
    writeGeneratedConfig(dir, { environments: 1, regions: 1, teams: 1 });
    fs.writeFileSync(path.join(dir, 'dev.yaml'), 'environment: dev\nregions: [eu-centrl-1]\nteams: {}\n');
    const result = runApp({ config: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/tfpf: invalid configuration/);
    expect(result.stderr).toMatch(/eu-centrl-1/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('an unknown scannerCompute is refused', () => {
    const result = runApp({ scannerCompute: 'gpu' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('tfpf: scannerCompute must be "lambda" or "ec2"; found "gpu"');
  });
});
