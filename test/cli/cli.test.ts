import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/output';
import { SHIPPED_CONFIG_DIR, shippedConfigFiles, writeConfigDir } from '../support/config-files';

const BIN = path.join(__dirname, '..', '..', 'bin', 'tfpf.js');

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`),
  };
  const code = await main(['node', 'tfpf', ...args], io);
  return { code, out, err };
}

describe('tfpf tag', () => {
  test('prints the resolved release as one JSON object and exits 0', async () => {
    const { code, out, err } = await run('tag', 'dev_us-east-1/research/1.0', '--config', SHIPPED_CONFIG_DIR);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(JSON.parse(out)).toMatchObject({
      environment: 'dev',
      region: 'us-east-1',
      team: 'research',
      version: '1.0',
      stateKey: 'research/dev-us-east-1/terraform.tfstate',
      stateBucket: 'acme-tfstate-dev',
      account: '111111111111',
      pipeline: 'tfpf-dev',
    });
  });

  test.each([
    ['devtest_us-east-1/research/1.0', 'environment "devtest" is not configured'],
    ['dev_us-east-1/research/1.0\n$(reboot)', 'tag contains control character U+000A'],
    ['qa_eu-west-1/risk/1.0', 'region eu-west-1 is not configured for qa'],
  ])('rejects %p: exit 1, nothing on stdout, one line on stderr', async (tag, reason) => {
    const { code, out, err } = await run('tag', tag, '--config', SHIPPED_CONFIG_DIR);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(err).toContain(reason);
  });

  test('an invalid configuration exits 2 and lists the problems', async () => {
    const qa = shippedConfigFiles().get('qa.yaml') as string;
    const dir = writeConfigDir({ 'qa.yaml': qa.replace('eu-central-1', 'eu-centrl-1') });
    const { code, out, err } = await run('tag', 'dev_us-east-1/research/1.0', '--config', dir);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('qa.yaml: regions[1]: "eu-centrl-1" is not an AWS region');
  });

  test('a region added to dev.yaml is accepted with no code change', async () => {
    const dev = shippedConfigFiles().get('dev.yaml') as string;
    const dir = writeConfigDir({ 'dev.yaml': dev.replace('ap-southeast-1]', 'ap-southeast-1, sa-east-1]') });
    const { code, out } = await run('tag', 'dev_sa-east-1/risk/2.1.0', '--config', dir);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      stateKey: 'risk/dev-sa-east-1/terraform.tfstate',
      account: '222222222222',
    });
  });
});

describe('tfpf validate', () => {
  test('exit 0 on the shipped configuration', async () => {
    const { code, out } = await run('validate', '--config', SHIPPED_CONFIG_DIR);
    expect(code).toBe(0);
    expect(out).toContain('4 environments (dev, prod, qa, staging), 3 regions, 2 teams');
  });

  test('exit 1 with every problem', async () => {
    const files = shippedConfigFiles();
    const dir = writeConfigDir({
      'qa.yaml': (files.get('qa.yaml') as string).replace('"111111111112"', '111111111112'),
      'prod.yaml': (files.get('prod.yaml') as string).replace('required: true', 'required: false'),
    });
    const { code, err } = await run('validate', '--config', dir);
    expect(code).toBe(1);
    expect(err).toContain('invalid configuration (2 problems)');
    expect(err).toContain('qa.yaml: teams.research.account: must be a quoted 12-digit string');
    expect(err).toContain('prod.yaml: approval.required: prod is a protected environment');
  });
});

describe('tfpf summary and help', () => {
  test('summary lists every environment and team with an example state key', async () => {
    const { code, out } = await run('summary', '--config', SHIPPED_CONFIG_DIR);
    expect(code).toBe(0);
    expect(out).toMatch(
      /prod\s+us-east-1,eu-central-1,ap-southeast-1\s+risk\s+222222222225\s+tfpf-prod\s+acme-tfstate-prod\s+risk\/prod-us-east-1\/terraform.tfstate\s+required/,
    );
    expect(out.split('\n').filter((l) => /^(dev|qa|staging|prod)\s/.test(l))).toHaveLength(8);
    expect(out).toContain(
      'release with: git tag dev_us-east-1/research/1.0.0 && git push origin dev_us-east-1/research/1.0.0',
    );
  });

  test('summary shows the compute of each action and the stage budget for the tooling region', async () => {
    const lambda = await run('summary', '--config', SHIPPED_CONFIG_DIR, '--region', 'eu-central-1');
    expect(lambda.code).toBe(0);
    expect(lambda.out).toContain('Compute and stage budget for tooling region eu-central-1:');
    expect(lambda.out).toMatch(
      /tfpf-dev\s+lambda\s+lambda\s+ec2\s+1 \(0 on EC2\)\s+approval\s+4 \(Lambda up to 4, EC2 up to 1\)/,
    );
    const ec2 = await run('summary', '--config', SHIPPED_CONFIG_DIR, '--region', 'eu-west-2');
    expect(ec2.out).toMatch(/tfpf-prod\s+ec2\s+ec2\s+ec2\s+1 \(1 on EC2\)/);
  });

  test('summary refuses compute: lambda where CodeBuild has no Lambda compute (exit 2, field named)', async () => {
    const dir = writeConfigDir({
      'factory.yaml': [
        'repository: infra',
        'stateBucketPrefix: acme-tfstate',
        'globalRegion: us-east-1',
        'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
        'compute: { plan: lambda }',
        '',
      ].join('\n'),
    });
    const { code, err } = await run('summary', '--config', dir, '--region', 'us-gov-west-1');
    expect(code).toBe(2);
    expect(err).toMatch(/factory\.yaml: compute\.plan: "lambda" cannot be used: .*aws-us-gov partition/);
  });

  test('--help works on every command and exits 0', async () => {
    for (const command of [[], ['tag'], ['validate'], ['summary']]) {
      const { code, out } = await run(...command, '--help');
      expect(code).toBe(0);
      expect(out).toContain('Usage: tfpf');
    }
  });

  test('an unknown command is a usage error', async () => {
    const { code, err } = await run('deploy-everything');
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'deploy-everything'");
  });
});

describe('the installed bin (real process, real exit codes)', () => {
  test('npx tfpf tag: exit 0 with JSON; exit 1 with one stderr line and empty stdout', () => {
    const ok = spawnSync(
      process.execPath,
      [BIN, 'tag', 'dev_global/research/1.4.0', '--config', SHIPPED_CONFIG_DIR],
      { encoding: 'utf8' },
    );
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      region: 'global',
      stateKey: 'research/dev-global/terraform.tfstate',
    });
    const bad = spawnSync(
      process.execPath,
      [BIN, 'tag', 'dev_us-east-1/research/1.0;id', '--config', SHIPPED_CONFIG_DIR],
      {
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('hostile configuration files end with the configuration exit codes', () => {
  // Five levels of nine aliases (59,049 strings once expanded). The old loader let the yaml library's
  // ReferenceError escape: "tfpf: internal error ... exit 70".
  const bomb = [
    'environment: dev',
    'regions: [us-east-1]',
    'teams:',
    '  research: { account: "111111111111" }',
    'x1: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    'x2: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'x3: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'x4: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'x5: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
    '',
  ].join('\n');

  test('tfpf validate on an alias bomb: exit 1, the file named, no internal error', () => {
    const dir = writeConfigDir({ 'dev.yaml': bomb });
    const result = spawnSync(process.execPath, [BIN, 'validate', '--config', dir], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dev.yaml: YAML aliases expand too far');
    expect(result.stderr).not.toContain('internal error');
  });

  test('tfpf tag on an alias bomb: exit 2 (invalid configuration)', async () => {
    const dir = writeConfigDir({ 'dev.yaml': bomb });
    const { code, out, err } = await run('tag', 'dev_us-east-1/research/1.0', '--config', dir);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('dev.yaml: YAML aliases expand too far');
  });

  test('teams: { __proto__: … } fails validation naming the key (it was silently dropped)', async () => {
    const dev = (shippedConfigFiles().get('dev.yaml') as string).replace(
      /^teams:.*\n/m,
      'teams:\n  __proto__: { account: "999999999999" }\n',
    );
    const { code, err } = await run('validate', '--config', writeConfigDir({ 'dev.yaml': dev }));
    expect(code).toBe(1);
    expect(err).toContain('dev.yaml: teams.__proto__: "__proto__" is a reserved key');
  });

  test('a configuration file over 1 MiB fails validation naming the file and the cap', async () => {
    const dev = shippedConfigFiles().get('dev.yaml') as string;
    const dir = writeConfigDir({ 'dev.yaml': `${dev}#${'x'.repeat(1024 * 1024)}\n` });
    const { code, err } = await run('validate', '--config', dir);
    expect(code).toBe(1);
    expect(err).toMatch(
      /dev\.yaml: is \d+ bytes; configuration files are limited to 1048576 bytes \(1 MiB\)/,
    );
  });
});
