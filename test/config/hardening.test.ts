import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/config';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/load-config';
import { configProblems, modelWith, shippedConfigFiles, writeConfigDir } from '../support/config-files';

// Hostile configuration files: each must end as a ConfigError naming the file (the CLI's documented config exit
// code), never as an exception escaping the loader, a silently dropped entry, or an unbounded read.

function problemsOf(load: () => unknown): string[] {
  return configProblems(load, (p) => `${p.file}: ${p.field}: ${p.message}`);
}

const dev = shippedConfigFiles().get('dev.yaml') as string;

/** Five levels of nine aliases each: 9^5 = 59,049 strings once expanded (a small "billion laughs"). */
const ALIAS_BOMB = [
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

describe('YAML alias bomb', () => {
  test('is a config problem naming the file (the old loader let a ReferenceError escape: exit 70)', () => {
    const problems = problemsOf(() => modelWith({ 'dev.yaml': ALIAS_BOMB }));
    expect(problems).toEqual([expect.stringMatching(/^pipelines\/dev\.yaml: : YAML aliases expand too far/)]);
  });

  test('ordinary aliases stay allowed', () => {
    const text =
      'environment: dev\nregions: [us-east-1]\nteams:\n  research: &shared { account: "111111111111" }\n  risk: *shared\n';
    const model = modelWith({ 'dev.yaml': text });
    expect(model.environments.find((e) => e.environment === 'dev')?.teams.risk).toEqual({
      account: '111111111111',
    });
  });
});

describe('keys that are JavaScript object internals', () => {
  test.each(['__proto__', 'constructor', 'prototype'])(
    'teams.%s is an error naming the key (the old loader dropped __proto__ silently and took the others as teams)',
    (key) => {
      const text = dev.replace(/^teams:.*\n/m, `teams:\n  ${key}: { account: "111111111119" }\n`);
      const problems = problemsOf(() => modelWith({ 'dev.yaml': text }));
      expect(problems).toEqual([
        `pipelines/dev.yaml: teams.${key}: "${key}" is a reserved key (JavaScript object internals) and cannot be used as a name or setting; rename it`,
      ]);
    },
  );

  test('also at the top level of factory.yaml and inside lists', () => {
    const factory = shippedConfigFiles().get('factory.yaml') as string;
    const problems = problemsOf(() =>
      modelWith({
        'factory.yaml': `${factory}__proto__: { repository: other }\nscanners:\n  tflintPlugins:\n    - { constructor: x }\n`,
      }),
    );
    expect(problems).toEqual([
      expect.stringContaining('pipelines/factory.yaml: __proto__: "__proto__" is a reserved key'),
      expect.stringContaining(
        'pipelines/factory.yaml: scanners.tflintPlugins[0].constructor: "constructor" is a reserved key',
      ),
    ]);
  });
});

describe('size cap', () => {
  test('a file over 1 MiB is refused by name and cap, before it is read', () => {
    const dir = writeConfigDir();
    const big = path.join(dir, 'huge.yaml');
    // A sparse 200 MB file: refused from its size alone (reading it whole took 467 MB of memory before).
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 200 * 1024 * 1024);
    fs.closeSync(fd);
    try {
      const problems = problemsOf(() => loadConfig(dir));
      expect(problems).toEqual([
        `${path.join(dir, 'huge.yaml')}: : is 209715200 bytes; configuration files are limited to ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('exactly 1 MiB is still read; one byte more is refused', () => {
    const padded = (size: number): string => dev + '#'.repeat(size - Buffer.byteLength(dev) - 1) + '\n';
    const dir = writeConfigDir({ 'dev.yaml': padded(MAX_CONFIG_FILE_BYTES) });
    try {
      expect(() => loadConfig(dir)).not.toThrow();
      fs.writeFileSync(path.join(dir, 'dev.yaml'), padded(MAX_CONFIG_FILE_BYTES + 1));
      expect(problemsOf(() => loadConfig(dir))).toEqual([
        expect.stringContaining('dev.yaml: : is 1048577 bytes'),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('buildModel (texts from elsewhere, e.g. a bundle) applies the same cap', () => {
    const problems = problemsOf(() => modelWith({ 'dev.yaml': dev + ' '.repeat(MAX_CONFIG_FILE_BYTES) }));
    expect(problems).toEqual([expect.stringContaining('pipelines/dev.yaml: : is ')]);
  });

  test('a named pipe is refused from its type, never read (the old loader blocked on it forever)', () => {
    const dir = writeConfigDir();
    try {
      execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
      expect(problemsOf(() => loadConfig(dir))).toEqual([
        expect.stringContaining('pipe.yaml: : is not a regular file'),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 10_000);

  test('a folder named like a config file is refused, not read', () => {
    const dir = writeConfigDir();
    try {
      fs.mkdirSync(path.join(dir, 'odd.yaml'));
      expect(problemsOf(() => loadConfig(dir))).toEqual([
        expect.stringContaining('odd.yaml: : is not a regular file'),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
