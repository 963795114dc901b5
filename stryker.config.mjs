// Mutation testing of the pure core (`npm run mutate`; not part of CI): the tag grammar, the configuration loader,
// the tag handler's decision and the release ledger. Reports: coverage/mutation/<part>.html and .json. Only the
// tests of each part run; the ledger's run against moto (.tools/bin/moto_server). Each part takes 10-30 minutes on
// 2 busy cores.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import process from 'node:process';

const require = createRequire(import.meta.url);
const jestConfig = require('./jest.config.js');

// The sandbox is a copy of the project without .tools: the moto server is found through TFPF_TOOLS_DIR.
process.env.TFPF_TOOLS_DIR ??= path.resolve('.tools', 'bin');

/**
 * Parts, each mutated with only its own tests: a mutant of code that runs at import time (the zod schema, the
 * tag regexes) runs every test of its part, so one part with every test would take hours. The configuration is
 * six parts (`config-*`), each with the test files written for its modules: every configuration test loads a
 * configuration, so with all ten files behind every mutant the folder takes over two hours on two cores.
 * `npm run mutate` runs every part in turn; `STRYKER_PART=<part> npx stryker run` runs one. Part `config` is the
 * whole folder with every configuration test: with `--mutate <file>:<line>-<line>` it rechecks a part's survivors
 * against all of them (`npm run mutate:summary` lets a later report replace an earlier one's result).
 */
const CONFIG_PARTS = {
  'config-schema': {
    mutate: ['src/config/schema.ts', 'src/config/schema-primitives.ts', 'src/config/aws-regions.ts'],
    tests: ['messages', 'edges', 'hardening', 'load-config'],
  },
  'config-loader': {
    mutate: ['src/config/load-config.ts', 'src/config/yaml-source.ts', 'src/config/json-schema.ts'],
    tests: ['load-config', 'load-files', 'edges', 'hardening', 'messages'],
  },
  'config-layout': {
    mutate: ['src/config/layout-schema.ts', 'src/config/scanners-schema.ts'],
    tests: ['layout-scanners', 'layout-scanners-messages'],
  },
  'config-helpers': {
    mutate: [
      'src/config/build-environment.ts',
      'src/config/schema-paths.ts',
      'src/config/suggest.ts',
      'src/config/config-error.ts',
      'src/config/model.ts',
    ],
    tests: ['helpers', 'messages'],
  },
  'config-drift': {
    mutate: [
      'src/config/schedule-expression.ts',
      'src/config/drift-schema.ts',
      'src/config/notifications-schema.ts',
    ],
    tests: ['drift-notifications'],
  },
  'config-promotion': { mutate: ['src/config/promotion-checks.ts'], tests: ['promotion'] },
};
const PARTS = {
  ...Object.fromEntries(
    Object.entries(CONFIG_PARTS).map(([name, { mutate, tests }]) => [
      name,
      { mutate, tests: tests.map((file) => `test/config/${file}.test.ts`) },
    ]),
  ),
  config: { mutate: ['src/config/**/*.ts'], tests: ['test/config/**/*.test.ts'] },
  tag: {
    mutate: ['src/tag/**/*.ts', 'src/trigger/release-decision.ts'],
    tests: ['test/tag/**/*.test.ts', 'test/trigger/release-decision*.test.ts'],
  },
  ledger: { mutate: ['src/trigger/release-ledger.ts'], tests: ['test/trigger/release-ledger.moto.test.ts'] },
};
const partName = process.env.STRYKER_PART ?? 'tag';
const part = PARTS[partName];
if (part === undefined)
  throw new Error(`STRYKER_PART must be one of ${Object.keys(PARTS).join(', ')}; found ${partName}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  coverageAnalysis: 'perTest',
  mutate: [...part.mutate, '!**/index.ts'],
  jest: {
    projectType: 'custom',
    enableFindRelatedTests: false,
    config: { ...jestConfig, testMatch: part.tests.map((t) => `<rootDir>/${t}`) },
  },
  ignorePatterns: ['.tools', '.tfpf', 'cdk.out', 'coverage', 'bench', 'examples'],
  checkers: [],
  concurrency: 2,
  timeoutMS: 30_000,
  tempDirName: 'coverage/.stryker-tmp',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `coverage/mutation/${partName}.html` },
  jsonReporter: { fileName: `coverage/mutation/${partName}.json` },
  thresholds: { high: 90, low: 85, break: null },
};
