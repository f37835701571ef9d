#!/usr/bin/env node
// The CommonJS build, loaded through require: Node starts it about twice as fast as the ESM one.
import { createRequire } from 'node:module';

const { main } = createRequire(import.meta.url)('../dist/cjs/cli.js');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`static-origin: ${err?.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
