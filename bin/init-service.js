#!/usr/bin/env node
'use strict';
// CommonJS on purpose (bin/package.json): Node starts it sooner than an ES module.
// Node >= 22.1 caches compiled code between runs; a no-op on Node 20.
require('node:module').enableCompileCache?.();
require('../dist/cli.cjs')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
