// What every request asks: the index. One interface, two owners of the entries behind it:
// the collected root indexed once at startup (production), and the live file system
// looked up on each request (development). Nothing else builds, replaces or drops entries.
import type { BodyCache } from './body-cache.js';
import type { FileEntry, RedirectEntry } from './entry.js';

export type Entry = FileEntry | RedirectEntry;

export interface StaticIndex {
  /**
   * The entry a canonical key names, ready to decide on; a promise when it must first be
   * read from disk (development, after a change); undefined for a miss, known at once.
   */
  lookup(key: string): Entry | Promise<Entry | undefined> | undefined;
  /** The file behind `entry` is not what it says any more: its entry rebuilt from disk, or undefined when it is gone. */
  reindex(entry: FileEntry): Promise<FileEntry | undefined>;
  /** The URL path (relative to the prefix, percent-encoded) a name stands for; throws naming the closest known names. */
  urlPath(name: string): string;
  /** The Subresource Integrity value of the file a name stands for. */
  integrity(name: string): string;
  /** Logical names of the JavaScript modules an import map lists (`.js`, `.mjs`): the manifest's, else the files'. */
  modules(): Iterable<string>;
  /** The bodies kept in memory for this index's entries. */
  readonly cache: BodyCache;
}
