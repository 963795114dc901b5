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
 * Three parts, each mutated with only its own tests: a mutant of code that runs at import time (the zod schema, the
 * tag regexes) runs every test of its part, so one part with every test would take hours. `npm run mutate` runs the
 * three in turn; `STRYKER_PART=<part> npx stryker run` runs one.
 */
const PARTS = {
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
