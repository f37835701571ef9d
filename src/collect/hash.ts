// Collect's fourth step: hash and rewrite, in dependency order, so each referrer embeds
// its dependencies' final names. A cycle has no fixed point: its members share one hash.
// Names that already carry a bundler's content hash keep them when nothing in them changes.
import { posix } from 'node:path';
import { digest, hashedName, NAME_HASH_LENGTH } from '../contract/names.js';
import { dependencyOrder } from './order.js';
import { encodeValue } from './refs.js';
import type { CollectedFile, Final, Link } from './record.js';

/** Sets `final` on every file: its bytes after rewriting, their digest and its hashed name. */
export function hashAll(files: ReadonlyMap<string, CollectedFile>): void {
  const keepsName = namesKept(files);
  const withRefs: string[] = [];
  for (const [name, file] of files) {
    if (file.text !== undefined) withRefs.push(name);
    else file.final = finalOf(name, file.data, digest(file.data), keepsName.has(name));
  }
  const nameHashOf = (target: string): string | undefined => {
    const final = files.get(target)!.final!;
    return final.hashed === target ? undefined : final.nameHash;
  };
  const edges = new Map<string, ReadonlySet<string>>();
  for (const name of withRefs) edges.set(name, files.get(name)!.deps);

  for (const component of dependencyOrder(withRefs, edges)) {
    const cyclic = component.length > 1 || edges.get(component[0])!.has(component[0]);
    if (!cyclic) {
      const name = component[0];
      const file = files.get(name)!;
      const data = file.links.length === 0 ? file.data : Buffer.from(rewrite(file.text!, name, file.links, nameHashOf));
      file.final = finalOf(name, data, digest(data), keepsName.has(name));
      continue;
    }
    // Each member is hashed with the references inside the cycle left as written, and those
    // hashes are combined in name order into the one the cycle's names share.
    const members = new Set(component);
    const parts = component.map((name) => {
      const file = files.get(name)!;
      const outside = file.links.filter((l) => !members.has(l.target));
      return `${name}\0${digest(rewrite(file.text!, name, outside, nameHashOf))}`;
    });
    const shared = digest(parts.join('\n')).slice(0, NAME_HASH_LENGTH);
    for (const name of component) files.get(name)!.final = { data: Buffer.alloc(0), hash: '', nameHash: shared, hashed: hashedName(name, shared) };
    for (const name of component) {
      const file = files.get(name)!;
      const data = Buffer.from(rewrite(file.text!, name, file.links, nameHashOf));
      file.final = { data, hash: digest(data), nameHash: shared, hashed: hashedName(name, shared) };
    }
  }
}

function finalOf(name: string, data: Buffer, hash: string, keepName: boolean): Final {
  return { data, hash, nameHash: hash.slice(0, NAME_HASH_LENGTH), hashed: keepName ? name : hashedName(name, hash) };
}

/**
 * The already-hashed names that stay as they are: their bytes must not change, so every
 * file they link to must keep its name too (a link to a file we hash would be rewritten,
 * and the bundler's hash would then name other bytes).
 */
function namesKept(files: ReadonlyMap<string, CollectedFile>): Set<string> {
  const kept = new Set<string>();
  for (const [name, file] of files) if (file.alreadyHashed) kept.add(name);
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of kept) {
      if (files.get(name)!.links.some((l) => !kept.has(l.target))) {
        kept.delete(name);
        changed = true;
      }
    }
  }
  return kept;
}

/** Replaces each linked reference's text with the hashed form, keeping everything around it as written. */
function rewrite(text: string, referrer: string, links: readonly Link[], nameHashOf: (t: string) => string | undefined): string {
  const sorted = [...links].sort((a, b) => a.ref.start - b.ref.start);
  let out = '';
  let at = 0;
  for (const { ref, target } of sorted) {
    const hash = nameHashOf(target);
    if (hash === undefined) continue; // a name that stays as it is
    const raw = text.slice(ref.start, ref.end);
    const fresh = hashedValue(ref.value, referrer, target, hash);
    // With escapes in the written text, the hash goes into the text as written when the extension is
    // written plainly (`my\ image.png` → `my\ image.<h>.png`); otherwise the new value is escaped afresh.
    const written = raw !== ref.value && fresh === hashedName(ref.value, hash) && extension(raw) === extension(ref.value) ? hashedName(raw, hash) : encodeValue(ref, raw, fresh);
    out += text.slice(at, ref.start) + written;
    at = ref.end;
  }
  return out + text.slice(at);
}

function extension(value: string): string {
  const cut = value.search(/[?#]/);
  const path = cut < 0 ? value : value.slice(0, cut);
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

/** The written URL with the hash inserted; when its last segment does not name the target, a relative path. */
function hashedValue(value: string, referrer: string, target: string, hash: string): string {
  const cut = value.search(/[?#]/);
  const path = cut < 0 ? value : value.slice(0, cut);
  const last = path.slice(path.lastIndexOf('/') + 1);
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // keep as written
  }
  if (decoded === posix.basename(target)) return hashedName(value, hash);
  const rel = posix.relative(posix.dirname(referrer), hashedName(target, hash));
  return (rel.startsWith('.') ? rel : './' + rel) + (cut < 0 ? '' : value.slice(cut));
}
