// One record per collected file, filled in by the steps in turn: found (and read), its
// references resolved, then hashed and rewritten.
import type { FoundFile } from './find.js';
import type { Reference } from './refs.js';

/** Files with references, by their extension. */
export type Kind = 'css' | 'js' | 'map';

/** A reference that names a collected file: rewritten to that file's hashed name. */
export interface Link {
  readonly ref: Reference;
  readonly target: string;
}

export interface Final {
  /** The bytes to write: the source's, with references rewritten. */
  readonly data: Buffer;
  /** Full digest of `data`. */
  readonly hash: string;
  /** The digits in the hashed name (shared by a cycle). */
  readonly nameHash: string;
  /** The name written: hashed, or the name itself when it already carries a bundler's hash. */
  readonly hashed: string;
}

export interface CollectedFile {
  readonly found: FoundFile;
  /** The source's bytes. */
  readonly data: Buffer;
  readonly kind: Kind | undefined;
  /** The name already carries a bundler's content hash (kept when nothing in the file changes). */
  readonly alreadyHashed: boolean;
  /** Decoded text, for files with references. */
  text?: string;
  links: Link[];
  /** Files with references whose final names this one embeds (the order step's edges). */
  deps: Set<string>;
  final?: Final;
}
