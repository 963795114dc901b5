/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The AWS-provider releases need the provider in .tools/providers (about half an hour to build on two cores):
  // they run with `npm run test:aws-provider`, which installs it first.
  testPathIgnorePatterns:
    process.env.TFPF_AWS_PROVIDER_TESTS === '1'
      ? ['/node_modules/']
      : ['/node_modules/', 'aws-provider\\.test\\.ts$'],
  transform: {
    // Type checking runs once in `npm run lint` (tsc --noEmit); jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 60000,
};
