// Mutation testing of the pure core (`npm run mutate`; not part of CI): the tag grammar, the configuration loader,
// the tag handler's decision and the release ledger. Reports: coverage/mutation/. Only the tests of these modules
// run (about 10-20 minutes on 2 cores); the ledger's tests run against moto (.tools/bin/moto_server).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import process from 'node:process';

const require = createRequire(import.meta.url);
const jestConfig = require('./jest.config.js');

// The sandbox is a copy of the project without .tools: the moto server is found through TFPF_TOOLS_DIR.
process.env.TFPF_TOOLS_DIR ??= path.resolve('.tools', 'bin');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  coverageAnalysis: 'perTest',
  mutate: [
    'src/tag/**/*.ts',
    'src/config/**/*.ts',
    'src/trigger/release-decision.ts',
    'src/trigger/release-ledger.ts',
    '!**/index.ts',
  ],
  jest: {
    projectType: 'custom',
    enableFindRelatedTests: false,
    config: {
      ...jestConfig,
      testMatch: [
        '<rootDir>/test/tag/**/*.test.ts',
        '<rootDir>/test/config/**/*.test.ts',
        '<rootDir>/test/trigger/release-decision.test.ts',
        '<rootDir>/test/trigger/release-ledger.moto.test.ts',
      ],
    },
  },
  ignorePatterns: ['.tools', '.tfpf', 'cdk.out', 'coverage', 'bench', 'examples'],
  checkers: [],
  concurrency: 2,
  timeoutMS: 30_000,
  tempDirName: 'coverage/.stryker-tmp',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'coverage/mutation/mutation.html' },
  jsonReporter: { fileName: 'coverage/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
};
