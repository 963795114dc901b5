#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI through tsx's transpile-only loader (no build step, ~0.3 s start).
require('tsx/cjs/api').register();
const { main } = require('../src/cli/main.ts');

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`tfpf: internal error: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 70;
  },
);
