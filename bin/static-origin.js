#!/usr/bin/env node
import { main } from '../dist/esm/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`static-origin: ${err?.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
