// `hashed-and-precompressed/` with canaries planted around it, for the tests that attack the
// request path: what every servable URL must answer (identity bytes and the variants that
// may stand for them), and the bytes that must never appear in any answer.
//
//   <tmp>/parent-canary.txt        the root's parent directory
//   <tmp>/root-private/secret.txt  a sibling sharing the root's name as a prefix
//   <tmp>/outside/secret.txt       behind escaping symlinks in the root
//   <tmp>/root/                    the collected root, plus dotfiles holding a canary,
//                                  .well-known/, odd names, a file with only a .zst
//                                  sibling, a streamed file with a .gz, and symlinks
import { cpSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzip, hashedAndPrecompressed, put, tempDir } from './fixtures.js';

export type Coding = 'br' | 'gzip';

export interface Servable {
  /** Relative path in the root. */
  rel: string;
  /** The URL path under the prefix, percent-encoded as `url()` would write it. */
  url: string;
  identity: Buffer;
  /** The precompressed siblings that are served for it (with the default `encodings`). */
  variants: Partial<Record<Coding, Buffer>>;
}

export interface HostileRoot {
  dir: string;
  root: string;
  /** Servable files by relative path (what the scan indexes; `dir/` keys resolve to `dir/index.html`). */
  files: Map<string, Servable>;
  /** Each must never appear in a response body, raw or decoded. */
  canaries: Buffer[];
  /** Names in the root that exist but must never be served (dotfiles, manifest, siblings, escaping links). */
  hidden: string[];
  /** The manifest's bytes: not to be served either. */
  manifest: Buffer;
  cleanup(): void;
}

const encodePath = (rel: string): string => rel.split('/').map(encodeURIComponent).join('/');

/** A compressible binary-ish body of `size` bytes (text with a repeating structure). */
function blob(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = 0x41 + ((i * 7 + (i >> 9)) % 26);
  return out;
}

export function hostileRoot(): HostileRoot {
  const { dir, cleanup } = tempDir('hostile');
  const fixture = hashedAndPrecompressed();
  const root = join(dir, 'root');
  try {
    cpSync(fixture.root, root, { recursive: true, preserveTimestamps: true });
  } finally {
    fixture.cleanup();
  }
  const canary = (where: string): Buffer => Buffer.from(`CANARY-${where}-7f3a91c2d84e`);
  const canaries = [canary('parent'), canary('sibling-dir'), canary('outside'), canary('dotfile'), canary('hidden')];
  put(dir, 'parent-canary.txt', canaries[0]);
  put(dir, 'root-private/secret.txt', canaries[1]);
  put(dir, 'outside/secret.txt', canaries[2]);
  put(root, '.env', canaries[3]);
  put(root, 'sub/.hidden', canaries[4]);
  put(root, 'sub/file.txt', 'inside\n');
  put(root, '.well-known/security.txt', 'Contact: mailto:security@example.com\n');
  put(root, 'unicode names/café.css', 'body { color: teal }\n');
  put(root, '50%.png', 'not really a png');
  const onlyZst = 'zstd only '.repeat(200);
  put(root, 'data/only-zst.txt', onlyZst);
  put(root, 'data/only-zst.txt.zst', Buffer.from('(a .zst sibling: not offered by the default encodings)'));
  const big = blob(300 * 1024);
  put(root, 'big/blob.bin', big);
  put(root, 'big/blob.bin.gz', gzip(big));
  symlinkSync(join(root, 'css/app.css'), join(root, 'link-in.css'));
  symlinkSync(join(dir, 'parent-canary.txt'), join(root, 'link-out.txt'));
  symlinkSync(join(dir, 'root-private'), join(root, 'dir-out'));
  symlinkSync(join(dir, 'outside/secret.txt'), join(root, 'link-sibling.txt'));

  const read = (rel: string): Buffer => readFileSync(join(root, rel));
  const manifest = read('staticfiles.json');
  const listed = JSON.parse(manifest.toString()) as { files: Record<string, unknown> };
  const files = new Map<string, Servable>();
  const add = (rel: string, variants: Partial<Record<Coding, string>> = {}, from = rel): void => {
    const v: Partial<Record<Coding, Buffer>> = {};
    for (const [coding, sib] of Object.entries(variants) as Array<[Coding, string]>) v[coding] = read(sib);
    files.set(rel, { rel, url: encodePath(rel), identity: read(from), variants: v });
  };
  for (const rel of Object.keys(listed.files)) {
    if (rel.endsWith('.css')) add(rel, { br: `${rel}.br`, gzip: `${rel}.gz` });
    else if (rel.startsWith('js/')) add(rel, { gzip: `${rel}.gz` });
    else add(rel);
  }
  add('sub/file.txt');
  add('.well-known/security.txt');
  add('unicode names/café.css');
  add('50%.png');
  add('data/only-zst.txt');
  add('big/blob.bin', { gzip: 'big/blob.bin.gz' });
  add('link-in.css', {}, 'css/app.css');

  const hidden = ['.env', 'sub/.hidden', 'staticfiles.json', 'link-out.txt', 'dir-out/secret.txt', 'link-sibling.txt', 'data/only-zst.txt.zst', 'big/blob.bin.gz'];
  for (const f of files.values()) for (const coding of Object.keys(f.variants)) hidden.push(`${f.rel}${coding === 'br' ? '.br' : '.gz'}`);
  return { dir, root, files, canaries, hidden, manifest, cleanup };
}
