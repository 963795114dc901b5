import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel, loadConfig } from '../../src/config';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/load-config';
import { configProblems, filesWith, shippedConfigFiles, writeConfigDir } from '../support/config-files';

// Which files of a configuration folder are read, how each is named in messages, and what is refused.

function problemsOf(load: () => unknown): string[] {
  return configProblems(load);
}

const dirs: string[] = [];
function configDir(changes: Record<string, string | null> = {}): string {
  const dir = writeConfigDir(changes);
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const DEV = 'environment: dev\nregions: [us-east-1]\nteams:\n  research: { account: "111111111111" }\n';

describe('loadConfig', () => {
  test('reads *.yaml and *.yml files only, each named by its path', () => {
    const dir = configDir({ 'extra.yml': DEV.replace('environment: dev', 'environment: extra') });
    fs.writeFileSync(path.join(dir, 'notes.yaml.bak'), 'not: [valid');
    fs.writeFileSync(path.join(dir, 'README.md'), '# not configuration\n');
    fs.writeFileSync(path.join(dir, 'OLD.YAML'), 'not: [valid');
    fs.writeFileSync(path.join(dir, 'yaml'), 'not: [valid');
    const model = loadConfig(dir);
    expect(model.dir).toBe(dir);
    expect(model.environments.map((e) => [e.environment, e.file])).toEqual([
      ['dev', `${dir}/dev.yaml`],
      ['extra', `${dir}/extra.yml`],
      ['prod', `${dir}/prod.yaml`],
      ['qa', `${dir}/qa.yaml`],
      ['staging', `${dir}/staging.yaml`],
    ]);
  });

  test('a folder inside the working directory is named relative to it', () => {
    const model = loadConfig('pipelines');
    expect(model.dir).toBe(path.resolve('pipelines'));
    expect(model.environments.map((e) => e.file)).toEqual([
      'pipelines/dev.yaml',
      'pipelines/prod.yaml',
      'pipelines/qa.yaml',
      'pipelines/staging.yaml',
    ]);
  });

  test('a file given as the folder is one problem naming it', () => {
    const file = path.join(configDir(), 'dev.yaml');
    expect(problemsOf(() => loadConfig(file))).toEqual([
      `${file}: cannot read configuration: Error: ENOTDIR: not a directory, scandir '${file}'`,
    ]);
  });

  test('unreadable files are each named, in name order, and nothing else is checked', () => {
    const dir = configDir({ 'qa.yaml': 'not: [valid' });
    fs.symlinkSync(path.join(dir, 'missing-b'), path.join(dir, 'b.yaml'));
    fs.symlinkSync(path.join(dir, 'missing-a'), path.join(dir, 'a.yaml'));
    expect(problemsOf(() => loadConfig(dir))).toEqual([
      `${dir}/a.yaml: cannot read: Error: ENOENT: no such file or directory, open '${dir}/a.yaml'`,
      `${dir}/b.yaml: cannot read: Error: ENOENT: no such file or directory, open '${dir}/b.yaml'`,
    ]);
  });

  test('text is read as UTF-8', () => {
    const dir = configDir();
    const factory = shippedConfigFiles().get('factory.yaml') as string;
    fs.writeFileSync(
      path.join(dir, 'factory.yaml'),
      `${factory}scanners:\n  skip:\n    checkov:\n      - { id: CKV_AWS_1, reason: "Überprüft – ok" }\n`,
    );
    expect(loadConfig(dir).factory.scanners.skip.checkov).toEqual([
      { id: 'CKV_AWS_1', reason: 'Überprüft – ok' },
    ]);
  });

  // procfs files report size 0 and then yield their content: the read itself must stop at the cap.
  const GROWING = '/proc/kallsyms';
  const growingAvailable = fs.existsSync(GROWING) && fs.statSync(GROWING).size === 0;
  (growingAvailable ? test : test.skip)('a file larger than its reported size is cut off at the cap', () => {
    const dir = configDir();
    fs.symlinkSync(GROWING, path.join(dir, 'kernel.yaml'));
    expect(problemsOf(() => loadConfig(dir))).toEqual([
      `${dir}/kernel.yaml: is larger than that; configuration files are limited to ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`,
    ]);
  });
});

describe('buildModel without a folder name', () => {
  test('files are named as given; no environments is reported for "."', () => {
    const factoryOnly = filesWith({
      'dev.yaml': null,
      'qa.yaml': null,
      'staging.yaml': null,
      'prod.yaml': null,
    });
    expect(problemsOf(() => buildModel('/config', '', factoryOnly))).toEqual([
      '.: no environments: add at least one <env>.yaml file next to factory.yaml',
    ]);
    const model = buildModel('/config', '', filesWith({}));
    expect(model.dir).toBe('/config');
    expect(model.environments.map((e) => e.file)).toEqual([
      'dev.yaml',
      'prod.yaml',
      'qa.yaml',
      'staging.yaml',
    ]);
  });

  test('a stray factory.yml is not an environment: beside factory.yaml alone it is "no environments"', () => {
    const factory = shippedConfigFiles().get('factory.yaml') as string;
    const files = filesWith({ 'dev.yaml': null, 'qa.yaml': null, 'staging.yaml': null, 'prod.yaml': null });
    expect(
      problemsOf(() => buildModel('/config', '', [...files, { name: 'factory.yml', text: factory }])),
    ).toEqual([
      'factory.yml: rename to factory.yaml',
      '.: no environments: add at least one <env>.yaml file next to factory.yaml',
    ]);
  });

  test('oversized texts are named as given, with their size', () => {
    const files = filesWith({ 'dev.yaml': `${DEV}#${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n` });
    expect(problemsOf(() => buildModel('/config', '', files))).toEqual([
      `dev.yaml: is ${DEV.length + MAX_CONFIG_FILE_BYTES + 2} bytes; configuration files are limited to ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`,
    ]);
  });

  test('the size cap counts UTF-8 bytes, not characters', () => {
    const pad = MAX_CONFIG_FILE_BYTES - Buffer.byteLength(DEV) - 2;
    const atCap = `${DEV}#${'x'.repeat(pad)}\n`;
    expect(Buffer.byteLength(atCap)).toBe(MAX_CONFIG_FILE_BYTES);
    expect(() => buildModel('/config', '', filesWith({ 'dev.yaml': atCap }))).not.toThrow();
    const overCap = `${DEV}#ü${'x'.repeat(pad - 1)}\n`;
    expect(overCap.length).toBe(MAX_CONFIG_FILE_BYTES);
    expect(problemsOf(() => buildModel('/config', '', filesWith({ 'dev.yaml': overCap })))).toEqual([
      `dev.yaml: is ${MAX_CONFIG_FILE_BYTES + 1} bytes; configuration files are limited to ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`,
    ]);
  });
});
