// One collect run in its own process (so its wall time includes start-up, like collectstatic's):
//   node bench/collect-child.js <source dir> <out dir>
import { collect } from '../dist/esm/index.js';

const [src, out] = process.argv.slice(2);
const summary = await collect({ sources: [src], out });
process.stdout.write(JSON.stringify(summary) + '\n');
