import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, isAwsRegion, loadConfig } from '../../src/config';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/load-config';
import { configProblems, modelWith, writeConfigDir } from '../support/config-files';

// The edges of the configuration rules: the shortest and longest values accepted, lookalikes refused, and
// files named where the same environment is defined three times.

function problemsOf(changes: Record<string, string | null>): string[] {
  return configProblems(() => modelWith(changes));
}

const FACTORY = [
  'repository: infra',
  'stateBucketPrefix: acme-tfstate',
  'globalRegion: us-east-1',
  'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.13, checkov: 3.3.30 }',
  '',
].join('\n');
const F = 'pipelines/factory.yaml';
const DEV = 'environment: dev\nregions: [us-east-1]\nteams:\n  research: { account: "111111111111" }\n';
const plugin = (name: string, source: string): Record<string, string> => ({
  'factory.yaml': `${FACTORY}scanners:\n  tflintPlugins:\n    - { name: ${name}, version: 0.1.0, source: "${source}" }\n`,
});

describe('shortest and longest values', () => {
  test('a one-character state bucket prefix and plugin name are accepted', () => {
    const factory = modelWith({
      'factory.yaml': `${plugin('a', 'github.com/x/tflint-ruleset-a')['factory.yaml']}`.replace(
        'stateBucketPrefix: acme-tfstate',
        'stateBucketPrefix: a',
      ),
    }).factory;
    expect(factory.stateBucketPrefix).toBe('a');
    expect(factory.scanners.tflintPlugins.map((p) => p.name)).toEqual(['a']);
  });

  test('a plugin name of 63 characters is accepted, 64 refused', () => {
    const name63 = 'p'.repeat(63);
    expect(
      modelWith(plugin(name63, `github.com/x/tflint-ruleset-${name63}`)).factory.scanners.tflintPlugins[0]
        ?.name,
    ).toBe(name63);
    const name64 = 'p'.repeat(64);
    expect(problemsOf(plugin(name64, `github.com/x/tflint-ruleset-${name64}`))).toEqual([
      `${F}: scanners.tflintPlugins[0].name: "${name64}" is not a tflint plugin name (lowercase letters, digits, "-") (line 7)`,
    ]);
  });

  test.each([
    'https://github.com/x/tflint-ruleset-aws',
    'github.com/x/tflint-ruleset-aws/releases',
    'github.com/x/y/tflint-ruleset-aws',
    'github.com//tflint-ruleset-aws',
  ])('plugin source %s is refused', (source) => {
    expect(problemsOf(plugin('aws', source))).toContainEqual(
      `${F}: scanners.tflintPlugins[0].source: "${source}" is not a tflint plugin source: use github.com/<owner>/tflint-ruleset-<name> (line 7)`,
    );
  });
});

describe('environments defined more than once', () => {
  test('each later file names the first one', () => {
    const problems = problemsOf({
      'dev.yml': DEV,
      'other.yaml': DEV,
    });
    expect(problems).toEqual([
      'pipelines/dev.yml: environment: "dev" is already defined in pipelines/dev.yaml (line 1)',
      'pipelines/other.yaml: environment: "dev" must equal the file name "other" (rename the file or the environment) (line 1)',
      'pipelines/other.yaml: environment: "dev" is already defined in pipelines/dev.yaml (line 1)',
    ]);
  });
});

describe('the file name an environment must match', () => {
  test('is the name without its last .yaml or .yml only; the duplicate names the line of environment', () => {
    const regionsFirst =
      'regions: [us-east-1]\nteams:\n  research: { account: "111111111111" }\nenvironment: dev\n';
    expect(problemsOf({ 'dev.yml.yaml': regionsFirst })).toEqual([
      'pipelines/dev.yml.yaml: environment: "dev" must equal the file name "dev.yml" (rename the file or the environment) (line 4)',
      'pipelines/dev.yml.yaml: environment: "dev" is already defined in pipelines/dev.yaml (line 4)',
    ]);
  });
});

describe('reserved keys', () => {
  test('a reserved key is reported once, not again for what it holds', () => {
    expect(problemsOf({ 'dev.yaml': `${DEV}__proto__:\n  constructor: { prototype: 1 }\n` })).toEqual([
      'pipelines/dev.yaml: __proto__: "__proto__" is a reserved key (JavaScript object internals) and cannot be used as a name or setting; rename it (line 5)',
    ]);
  });
});

describe('reading files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a file of exactly 1 MiB is read to its last byte', () => {
    const tail = 'approval: { timeoutMinutes: 60 }';
    const padding = MAX_CONFIG_FILE_BYTES - Buffer.byteLength(DEV) - tail.length - 2;
    const text = `${DEV}#${'x'.repeat(padding)}\n${tail}`;
    expect(Buffer.byteLength(text)).toBe(MAX_CONFIG_FILE_BYTES);
    const dir = writeConfigDir({ 'dev.yaml': text });
    dirs.push(dir);
    expect(loadConfig(dir).environments.find((e) => e.environment === 'dev')?.approval.timeoutMinutes).toBe(
      60,
    );
  });

  const FDS = '/proc/self/fd';
  (fs.existsSync(FDS) ? test : test.skip)('every file opened is closed, read or refused', () => {
    const dir = writeConfigDir();
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, 'folder.yaml'));
    const open = (): number => fs.readdirSync(FDS).length;
    const before = open();
    expect(() => loadConfig(dir)).toThrow(ConfigError);
    fs.rmdirSync(path.join(dir, 'folder.yaml'));
    loadConfig(dir);
    expect(open()).toBe(before);
  });
});

test('isAwsRegion: the listed region codes only', () => {
  expect(isAwsRegion('eu-central-1')).toBe(true);
  expect(isAwsRegion('eusc-de-east-1')).toBe(true);
  expect(isAwsRegion('eu-central-9')).toBe(false);
  expect(isAwsRegion('')).toBe(false);
});

describe('YAML aliases', () => {
  const withAliases = (count: number): Record<string, string> => ({
    'dev.yaml': `${DEV}x: &name value\ny: [${Array.from({ length: count }, () => '*name').join(', ')}]\n`,
  });
  test('more than 50 alias references are refused, even of a plain value', () => {
    expect(problemsOf(withAliases(60))).toEqual([
      'pipelines/dev.yaml: YAML aliases expand too far (more than 50 alias references, the pattern of an alias bomb); write the values out instead of referencing anchors',
    ]);
  });
});
