import {
  ConfigError,
  configBuildEnvironment,
  displayPath,
  environmentSchema,
  factorySchema,
  findEnvironment,
  formatProblem,
} from '../../src/config';
import { teamAccounts } from '../../src/config/build-environment';
import { allowedKeysAt, formatFieldPath } from '../../src/config/schema-paths';
import { closest, didYouMean } from '../../src/config/suggest';
import { modelWith, SHIPPED_CONFIG_BUILD_ENVIRONMENT } from '../support/config-files';

// The small pieces every configuration message is made of: field paths, the keys allowed where an unknown key
// was found, "did you mean" hints, the problem lines and the error that collects them.

describe('formatFieldPath', () => {
  test.each<[PropertyKey[], string]>([
    [[], ''],
    [['regions'], 'regions'],
    [['regions', 1], 'regions[1]'],
    [['teams', 'research', 'account'], 'teams.research.account'],
    [['scanners', 'skip', 'tflint', 0, 'id'], 'scanners.skip.tflint[0].id'],
    [[0, 'name'], '[0].name'],
    [['a', 2, 3], 'a[2][3]'],
  ])('%j is %s', (path, expected) => {
    expect(formatFieldPath(path)).toBe(expected);
  });
});

describe('allowedKeysAt: the keys of the object schema a path leads to', () => {
  test.each<[string, PropertyKey[], string[]]>([
    [
      'top level (no $schema)',
      [],
      ['environment', 'regions', 'teams', 'approval', 'protected', 'promotion', 'drift', 'notifications'],
    ],
    ['through a default', ['approval'], ['required', 'notify', 'timeoutMinutes']],
    ['through a record', ['teams', 'any-team'], ['account']],
    ['a string field', ['environment'], []],
    ['an array of strings', ['regions'], []],
    ['an element that is no object', ['regions', 0], []],
    ['past a value that is no object', ['regions', 0, 'x'], []],
    ['an unknown key', ['nope'], []],
    ['below an unknown key', ['nope', 'deeper'], []],
    ['a list index into an object', ['approval', 0], []],
  ])('environment, %s', (_name, path, expected) => {
    expect(allowedKeysAt(environmentSchema, path)).toEqual(expected);
  });

  test.each<[string, PropertyKey[], string[]]>([
    ['through a prefault', ['layout'], ['regional', 'global', 'vars', 'targets', 'varFiles', 'variables']],
    ['through a prefault and an optional', ['layout', 'targets'], ['regional', 'global']],
    ['a record of strings', ['layout', 'variables', 'x'], []],
    ['through a prefault, a default and an array', ['scanners', 'skip', 'checkov', 0], ['id', 'reason']],
    ['through a default array', ['scanners', 'tflintPlugins', 3], ['name', 'version', 'source']],
    ['an array itself', ['scanners', 'tflintPlugins'], []],
    ['an object', ['tools'], ['engine', 'terraform', 'opentofu', 'tflint', 'tfsec', 'checkov']],
  ])('factory, %s', (_name, path, expected) => {
    expect(allowedKeysAt(factorySchema, path)).toEqual(expected);
  });
});

describe('closest and didYouMean', () => {
  const regions = ['eu-central-1', 'eu-central-2', 'us-east-1'];
  test.each<[string, readonly string[], string | undefined]>([
    ['eu-centrl-1', regions, 'eu-central-1'],
    ['EU-CENTRAL-2', regions, 'eu-central-2'],
    ['us-east-1', regions, 'us-east-1'],
    ['ap-south-1', regions, undefined],
    // The allowed distance is a third of the length, at least 2.
    ['abcdefghi', ['abcdefxyz'], 'abcdefxyz'],
    ['abcdefghi', ['abcdewxyz'], undefined],
    ['ab', ['xy'], 'xy'],
    ['a', ['abcd'], undefined],
    ['abc', ['abcde'], 'abcde'],
    ['abcdef', ['ab'], undefined],
    ['abcdef', ['abcd'], 'abcd'],
    ['kitten', ['sitting'], undefined],
    ['kitten', ['sittin'], 'sittin'],
    ['flaw', ['lawn'], 'lawn'],
    // A word that only shares its tail is not near.
    ['xxxxxxxxxxxxabc', ['yyyyyyyyyyyyabc'], undefined],
    ['', ['ab'], 'ab'],
    ['ab', [''], ''],
    ['ab', [], undefined],
  ])('closest(%j, %j) is %j', (value, candidates, expected) => {
    expect(closest(value, candidates)).toBe(expected);
  });

  test('the nearest candidate wins; on a tie, the first listed', () => {
    expect(closest('regoins', ['teams', 'regions', 'region'])).toBe('regions');
    expect(closest('ab', ['ax', 'ay'])).toBe('ax');
    expect(closest('ab', ['xy', 'ax'])).toBe('ax');
    expect(closest('abcd', ['abxy', 'abcx', 'abyy'])).toBe('abcx');
  });

  test('didYouMean is a hint to append, or nothing', () => {
    expect(didYouMean('eu-centrl-1', regions)).toBe(' (did you mean "eu-central-1"?)');
    expect(didYouMean('mars', regions)).toBe('');
  });
});

describe('problem lines and ConfigError', () => {
  test.each([
    [
      { file: 'pipelines/qa.yaml', field: 'regions[1]', message: 'bad', line: 3 },
      'pipelines/qa.yaml: regions[1]: bad (line 3)',
    ],
    [{ file: 'pipelines/qa.yaml', field: '', message: 'bad' }, 'pipelines/qa.yaml: bad'],
    [
      { file: 'pipelines/qa.yaml', field: 'teams', message: 'bad', line: undefined },
      'pipelines/qa.yaml: teams: bad',
    ],
  ])('%j is printed as %s', (problem, expected) => {
    expect(formatProblem(problem)).toBe(expected);
  });

  test('one problem', () => {
    const error = new ConfigError([{ file: 'a.yaml', field: 'x', message: 'bad', line: 1 }]);
    expect(error.message).toBe('invalid configuration (1 problem):\n  a.yaml: x: bad (line 1)');
    expect(error.name).toBe('ConfigError');
    expect(error).toBeInstanceOf(Error);
  });

  test('several problems, one a line', () => {
    const problems = [
      { file: 'a.yaml', field: '', message: 'first' },
      { file: 'b.yaml', field: 'y', message: 'second' },
    ];
    const error = new ConfigError(problems);
    expect(error.message).toBe('invalid configuration (2 problems):\n  a.yaml: first\n  b.yaml: y: second');
    expect(error.problems).toEqual(problems);
  });
});

describe('displayPath', () => {
  test.each([
    ['/work/repo/pipelines', '/work/repo', 'pipelines'],
    ['/work/repo/pipelines/qa.yaml', '/work/repo', 'pipelines/qa.yaml'],
    ['/work/repo', '/work/repo', '/work/repo'],
    ['/work/other/pipelines', '/work/repo', '/work/other/pipelines'],
    ['/work', '/work/repo', '/work'],
  ])('%s seen from %s is %s', (file, cwd, expected) => {
    expect(displayPath(file, cwd)).toBe(expected);
  });

  test('relative to the working directory by default', () => {
    expect(displayPath(`${process.cwd()}/pipelines`)).toBe('pipelines');
  });
});

describe('build environment and lookups', () => {
  test('TEAM_ACCOUNTS: team=account pairs in code-unit order of the team name, space-separated', () => {
    const text = [
      'environment: dev',
      'regions: [us-east-1]',
      'teams:',
      '  risk: { account: "222222222222" }',
      '  a-b: { account: "333333333333" }',
      '  ab: { account: "444444444444" }',
      '  research: { account: "111111111111" }',
      '',
    ].join('\n');
    const env = findEnvironment(modelWith({ 'dev.yaml': text }), 'dev');
    expect(env).toBeDefined();
    expect(teamAccounts(env!)).toBe(
      'a-b=333333333333 ab=444444444444 research=111111111111 risk=222222222222',
    );
  });

  test('findEnvironment: the environment of that name, or none', () => {
    const model = modelWith();
    expect(findEnvironment(model, 'qa')?.file).toBe('pipelines/qa.yaml');
    expect(findEnvironment(model, 'nope')).toBeUndefined();
  });

  test('the build environment of the shipped factory: layout defaults and scanner settings, nothing optional', () => {
    expect(configBuildEnvironment(modelWith().factory)).toEqual(SHIPPED_CONFIG_BUILD_ENVIRONMENT);
  });

  test('every optional setting reaches the build environment, one entry a line', () => {
    const factory = [
      'repository: infra',
      'stateBucketPrefix: acme-tfstate',
      'globalRegion: us-east-1',
      'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.13, checkov: 3.3.30 }',
      'layout:',
      '  regional: .',
      '  global: .',
      '  targets: { regional: module.regional, global: module.global }',
      '  varFiles: ["env/{env}.tfvars", "env/{env}-{region}.tfvars"]',
      '  variables: { aws_region: targetRegion, tag: version }',
      'scanners:',
      '  failOn: HIGH',
      '  repoConfig: ignore',
      '  skip:',
      '    tfsec:',
      '      - { id: aws-s3-enable-bucket-logging, reason: logs elsewhere }',
      '    tflint:',
      '      - { id: terraform_unused_declarations, reason: shared module }',
      '      - { id: terraform_naming_convention, reason: legacy names }',
      '',
    ].join('\n');
    expect(configBuildEnvironment(modelWith({ 'factory.yaml': factory }).factory)).toEqual({
      LAYOUT_REGIONAL: '.',
      LAYOUT_GLOBAL: '.',
      LAYOUT_VARS: 'vars',
      LAYOUT_TARGET_REGIONAL: 'module.regional',
      LAYOUT_TARGET_GLOBAL: 'module.global',
      LAYOUT_VAR_FILES: 'env/{env}.tfvars\nenv/{env}-{region}.tfvars',
      LAYOUT_VARIABLES: 'aws_region=targetRegion\ntag=version',
      SCANNER_FAIL_ON: 'HIGH',
      SCANNER_REPO_CONFIG: 'ignore',
      SCANNER_SKIP_TFSEC: 'aws-s3-enable-bucket-logging=logs elsewhere',
      SCANNER_SKIP_TFLINT:
        'terraform_unused_declarations=shared module\nterraform_naming_convention=legacy names',
    });
  });

  test('skip reasons reach the buildspecs trimmed, one skip a line', () => {
    const factory = [
      'repository: infra',
      'stateBucketPrefix: acme-tfstate',
      'globalRegion: us-east-1',
      'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.13, checkov: 3.3.30 }',
      'scanners:',
      '  skip:',
      '    checkov:',
      '      - { id: CKV_AWS_144, reason: "  one region by design  " }',
      '      - { id: CKV_AWS_145, reason: "default key" }',
      '  tflintPlugins:',
      '    - { name: aws, version: 0.40.0, source: github.com/terraform-linters/tflint-ruleset-aws }',
      '    - { name: google, version: 0.30.0, source: github.com/terraform-linters/tflint-ruleset-google }',
      '',
    ].join('\n');
    const env = configBuildEnvironment(modelWith({ 'factory.yaml': factory }).factory);
    expect(env.SCANNER_SKIP_CHECKOV).toBe('CKV_AWS_144=one region by design\nCKV_AWS_145=default key');
    expect(env).not.toHaveProperty('SCANNER_SKIP_TFSEC');
    expect(env).not.toHaveProperty('SCANNER_SKIP_TFLINT');
    expect(env.SCANNER_TFLINT_PLUGINS).toBe(
      'aws 0.40.0 github.com/terraform-linters/tflint-ruleset-aws\ngoogle 0.30.0 github.com/terraform-linters/tflint-ruleset-google',
    );
  });
});
