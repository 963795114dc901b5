import { configBuildEnvironment } from '../../src/config';
import { staticBuildEnvironment } from '../../src/pipeline/terraform-projects';
import { configProblems, modelWith, shippedConfigFiles } from '../support/config-files';

// layout: (repository layout by configuration) and scanners: (factory-owned scanner settings) in factory.yaml,
// and how they reach the buildspecs through the projects' static environment.

const factory = shippedConfigFiles().get('factory.yaml') as string;

function withFactory(extra: string): ReturnType<typeof modelWith> {
  return modelWith({ 'factory.yaml': `${factory.trimEnd()}\n${extra}` });
}

function problemsOf(extra: string): string[] {
  return configProblems(
    () => withFactory(extra),
    (p) => `${p.field}: ${p.message}`,
  );
}

const AWS_SAMPLE_LAYOUT = `layout:
  regional: .
  global: .
  targets:
    regional: module.regional
    global: module.global
  varFiles:
    - environments/{env}/{team}/variables.tfvars
    - environments/{env}/{team}/{scope}.tfvars
  variables:
    env: environment
    region: targetRegion
    account: account
`;

describe('layout', () => {
  test("the AWS sample's single root is configuration", () => {
    const { layout } = withFactory(AWS_SAMPLE_LAYOUT).factory;
    expect(layout).toEqual({
      regional: '.',
      global: '.',
      vars: 'vars',
      targets: { regional: 'module.regional', global: 'module.global' },
      varFiles: ['environments/{env}/{team}/variables.tfvars', 'environments/{env}/{team}/{scope}.tfvars'],
      variables: { env: 'environment', region: 'targetRegion', account: 'account' },
    });
  });

  test('reaches the buildspecs as LAYOUT_* variables (lists one entry a line)', () => {
    const env = staticBuildEnvironment(
      withFactory(AWS_SAMPLE_LAYOUT),
      'dev',
      'us-east-1',
      '000000000000',
      'aws',
    );
    expect(env).toMatchObject({
      LAYOUT_REGIONAL: '.',
      LAYOUT_GLOBAL: '.',
      LAYOUT_TARGET_REGIONAL: 'module.regional',
      LAYOUT_TARGET_GLOBAL: 'module.global',
      LAYOUT_VAR_FILES:
        'environments/{env}/{team}/variables.tfvars\nenvironments/{env}/{team}/{scope}.tfvars',
      LAYOUT_VARIABLES: 'env=environment\nregion=targetRegion\naccount=account',
    });
  });

  test('defaults: no targets or var files variables (CodeBuild refuses empty values), default variables', () => {
    const env = configBuildEnvironment(modelWith().factory);
    expect(env).not.toHaveProperty('LAYOUT_TARGET_REGIONAL');
    expect(env).not.toHaveProperty('LAYOUT_TARGET_GLOBAL');
    expect(env).not.toHaveProperty('LAYOUT_VAR_FILES');
    expect(env.LAYOUT_VARIABLES).toBe(
      'region=targetRegion\naccount=account\nenvironment=environment\nteam=team\nrelease_version=version',
    );
    expect(env).toMatchObject({ LAYOUT_REGIONAL: 'regional', LAYOUT_GLOBAL: 'global', LAYOUT_VARS: 'vars' });
    for (const value of Object.values(env)) expect(value).not.toBe('');
  });

  test('only one target may be set', () => {
    const env = configBuildEnvironment(
      withFactory('layout:\n  targets: { global: module.global }\n').factory,
    );
    expect(env.LAYOUT_TARGET_GLOBAL).toBe('module.global');
    expect(env).not.toHaveProperty('LAYOUT_TARGET_REGIONAL');
  });

  test.each([
    [
      'folder escaping the repo',
      'layout:\n  regional: ../other\n',
      'layout.regional: "../other" escapes the repository',
    ],
    ['absolute folder', 'layout:\n  global: /etc\n', 'layout.global: "/etc" is absolute'],
    ['root "." for vars', 'layout:\n  vars: .\n', 'layout.vars: ".": name a folder'],
    [
      'unknown placeholder',
      'layout:\n  varFiles: ["envs/{environment}/x.tfvars"]\n',
      'layout.varFiles[0]: unknown placeholder {environment} in "envs/{environment}/x.tfvars"',
    ],
    [
      'unmatched brace',
      'layout:\n  varFiles: ["envs/{env/x.tfvars"]\n',
      'layout.varFiles[0]: "envs/{env/x.tfvars" has an unmatched',
    ],
    [
      'absolute var file',
      'layout:\n  varFiles: [/etc/passwd.tfvars]\n',
      'layout.varFiles[0]: "/etc/passwd.tfvars" is absolute',
    ],
    [
      'var file escaping the repo',
      'layout:\n  varFiles: [envs/../../x.tfvars]\n',
      'layout.varFiles[0]: "envs/../../x.tfvars" escapes the repository',
    ],
    [
      'var file that is not tfvars',
      'layout:\n  varFiles: ["envs/{env}.yaml"]\n',
      'layout.varFiles[0]: "envs/{env}.yaml" must end with .tfvars or .tfvars.json',
    ],
    ['empty var file list', 'layout:\n  varFiles: []\n', 'layout.varFiles: must list at least one file'],
    [
      'var file listed twice',
      'layout:\n  varFiles: [a.tfvars, a.tfvars]\n',
      'layout.varFiles[1]: "a.tfvars" is listed twice',
    ],
    [
      'vars and varFiles together',
      'layout:\n  vars: tfvars\n  varFiles: [a.tfvars]\n',
      'layout.vars: conflicts with layout.varFiles',
    ],
    [
      'unknown release field',
      'layout:\n  variables: { env: environmnet }\n',
      'layout.variables.env: "environmnet" is not a release field (did you mean "environment"?)',
    ],
    [
      'invalid variable name',
      'layout:\n  variables: { "1env": environment }\n',
      'layout.variables.1env: "1env" is not a Terraform variable name',
    ],
    [
      'variable name Terraform reserves',
      'layout:\n  variables: { count: version }\n',
      'layout.variables.count: "count" is reserved by Terraform',
    ],
    ['empty variables', 'layout:\n  variables: {}\n', 'layout.variables: must map at least one variable'],
    [
      'invalid target',
      'layout:\n  targets: { regional: "module.x; rm -rf /" }\n',
      'layout.targets.regional: "module.x; rm -rf /" is not a Terraform module or resource address',
    ],
    [
      'unknown target scope',
      'layout:\n  targets: { region: module.x }\n',
      'layout.targets.region: unknown key (did you mean "regional"?)',
    ],
  ])('%s is an error naming the field', (_name, extra, expected) => {
    expect(problemsOf(extra).map((p) => (p.startsWith(expected) ? expected : p))).toContain(expected);
  });

  test.each([
    'module.regional',
    'module.app["eu"].aws_vpc.main',
    'aws_instance.web[0]',
    'data.aws_caller_identity.me',
  ])('target %s is a valid address', (address) => {
    expect(
      withFactory(`layout:\n  targets: { regional: '${address}' }\n`).factory.layout.targets?.regional,
    ).toBe(address);
  });
});

const SCANNERS = `scanners:
  failOn: MEDIUM
  repoConfig: ignore
  skip:
    checkov:
      - { id: CKV_AWS_144, reason: "single-region backups by design" }
    tfsec:
      - { id: aws-s3-enable-bucket-logging, reason: "logs bucket itself" }
    tflint:
      - { id: terraform_unused_declarations, reason: "shared variables file" }
  tflintPlugins:
    - { name: aws, version: 0.40.0, source: github.com/terraform-linters/tflint-ruleset-aws }
`;

describe('scanners', () => {
  test('factory skips with reasons and pinned plugins are read', () => {
    expect(withFactory(SCANNERS).factory.scanners).toEqual({
      failOn: 'MEDIUM',
      repoConfig: 'ignore',
      skip: {
        checkov: [{ id: 'CKV_AWS_144', reason: 'single-region backups by design' }],
        tfsec: [{ id: 'aws-s3-enable-bucket-logging', reason: 'logs bucket itself' }],
        tflint: [{ id: 'terraform_unused_declarations', reason: 'shared variables file' }],
      },
      tflintPlugins: [
        { name: 'aws', version: '0.40.0', source: 'github.com/terraform-linters/tflint-ruleset-aws' },
      ],
    });
  });

  test('every key is optional: failOn alone keeps working', () => {
    expect(withFactory('scanners: { failOn: HIGH }\n').factory.scanners).toEqual({
      failOn: 'HIGH',
      repoConfig: 'report',
      skip: { checkov: [], tfsec: [], tflint: [] },
      tflintPlugins: [],
    });
  });

  test('reach the scanner buildspecs as SCANNER_* variables', () => {
    const env = configBuildEnvironment(withFactory(SCANNERS).factory);
    expect(env).toMatchObject({
      SCANNER_FAIL_ON: 'MEDIUM',
      SCANNER_REPO_CONFIG: 'ignore',
      SCANNER_SKIP_CHECKOV: 'CKV_AWS_144=single-region backups by design',
      SCANNER_SKIP_TFSEC: 'aws-s3-enable-bucket-logging=logs bucket itself',
      SCANNER_SKIP_TFLINT: 'terraform_unused_declarations=shared variables file',
      SCANNER_TFLINT_PLUGINS: 'aws 0.40.0 github.com/terraform-linters/tflint-ruleset-aws',
    });
    const defaults = configBuildEnvironment(modelWith().factory);
    expect(defaults).toMatchObject({ SCANNER_FAIL_ON: 'LOW', SCANNER_REPO_CONFIG: 'report' });
    expect(
      Object.keys(defaults)
        .filter((k) => k.startsWith('SCANNER_'))
        .sort(),
    ).toEqual(['SCANNER_FAIL_ON', 'SCANNER_REPO_CONFIG']);
  });

  const skip = (tool: string, entry: string): string =>
    `scanners:\n  skip:\n    ${tool}:\n      - ${entry}\n`;
  test.each([
    [
      'skip without a reason',
      skip('checkov', '{ id: CKV_AWS_144 }'),
      'scanners.skip.checkov[0].reason: is required (why the check is skipped)',
    ],
    [
      'blank reason',
      skip('checkov', '{ id: CKV_AWS_144, reason: "  " }'),
      'scanners.skip.checkov[0].reason: must say why the check is skipped',
    ],
    [
      'multi-line reason',
      skip('tfsec', '{ id: aws-s3-enable-versioning, reason: "a\\nb" }'),
      'scanners.skip.tfsec[0].reason: must be one line',
    ],
    [
      'wildcard',
      skip('checkov', '{ id: "CKV_*", reason: everything }'),
      'scanners.skip.checkov[0].id: "CKV_*": wildcards are not allowed',
    ],
    [
      'tflint rule in the checkov list',
      skip('checkov', '{ id: terraform_unused_declarations, reason: x }'),
      'scanners.skip.checkov[0].id: "terraform_unused_declarations" is not a checkov check ID',
    ],
    [
      'checkov ID in the tflint list',
      skip('tflint', '{ id: CKV_AWS_1, reason: x }'),
      'scanners.skip.tflint[0].id: "CKV_AWS_1" is not a tflint check ID',
    ],
    [
      'unknown scanner',
      skip('trivy', '{ id: x, reason: y }'),
      'scanners.skip.trivy: unknown key; allowed here: checkov, tfsec, tflint',
    ],
    [
      'same check twice',
      'scanners:\n  skip:\n    tflint:\n      - { id: terraform_typed_variables, reason: a }\n      - { id: terraform_typed_variables, reason: b }\n',
      'scanners.skip.tflint[1].id: "terraform_typed_variables" is listed twice',
    ],
    [
      'unknown repoConfig mode',
      'scanners: { repoConfig: honour }\n',
      'scanners.repoConfig: must be "report" or "ignore"',
    ],
    [
      'plugin without version',
      'scanners:\n  tflintPlugins: [{ name: aws, source: github.com/terraform-linters/tflint-ruleset-aws }]\n',
      'scanners.tflintPlugins[0].version: is required',
    ],
    [
      'plugin version range',
      'scanners:\n  tflintPlugins: [{ name: aws, version: "~0.40", source: github.com/terraform-linters/tflint-ruleset-aws }]\n',
      'scanners.tflintPlugins[0].version: "~0.40" is not an exact version',
    ],
    [
      'plugin source not on GitHub',
      'scanners:\n  tflintPlugins: [{ name: aws, version: 0.40.0, source: example.com/x/tflint-ruleset-aws }]\n',
      'scanners.tflintPlugins[0].source: "example.com/x/tflint-ruleset-aws" is not a tflint plugin source',
    ],
    [
      'plugin source of another name',
      'scanners:\n  tflintPlugins: [{ name: aws, version: 0.40.0, source: github.com/x/tflint-ruleset-google }]\n',
      'scanners.tflintPlugins[0].source: "github.com/x/tflint-ruleset-google" does not match the name "aws"',
    ],
    [
      'plugin listed twice',
      'scanners:\n  tflintPlugins:\n    - { name: aws, version: 0.40.0, source: github.com/terraform-linters/tflint-ruleset-aws }\n    - { name: aws, version: 0.41.0, source: github.com/terraform-linters/tflint-ruleset-aws }\n',
      'scanners.tflintPlugins[1].name: "aws" is listed twice',
    ],
  ])('%s is an error naming the field', (_name, extra, expected) => {
    expect(problemsOf(extra).map((p) => (p.startsWith(expected) ? expected : p))).toContain(expected);
  });
});
