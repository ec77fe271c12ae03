/**
 * The one way Lapse compares logins: two logins name the same user exactly when their normalized forms
 * are equal. Directory stores the form next to the login as entered (and keeps it unique), identity looks
 * sign-ins up by it and keys its per-username rate limit on it. Pure; no locale.
 *
 * `NFKC(fold(NFKC(login)))`:
 * - NFKC first, so compatibility variants are one login: the Angstrom sign U+212B is `Å`, fullwidth `Ａ`
 *   is `A`, `ﬁ` is `fi`, and a decomposed `A` + U+030A is `Å`.
 * - Then Unicode full case folding (CaseFolding.txt statuses C and F, without the Turkic T entries):
 *   `ß`, `ẞ` and `SS` all fold to `ss`; final `ς` and `Σ` to `σ`; `I` to `i` and `İ` to `i̇` (i + U+0307),
 *   while dotless `ı` stays `ı`, as in every non-Turkic locale.
 * - NFKC again, because folding can leave a string that is not normalized (`ΐ` folds to ι + two marks).
 *
 * JavaScript has no case folding, and `toLowerCase()` differs from it (`ß` stays `ß`, a final `Σ` becomes
 * `ς`, `ᾼ` becomes `ᾳ` where folding gives `αι`). Upper-casing, then lower-casing, each code point on its
 * own (so no final-sigma context applies) gives full case folding for every NFKC-stable code point but
 * two, checked against Python's `str.casefold` (Unicode 14) over all assigned code points: `ı`, which
 * upper-cases to `I`, and `ẞ`, which lower-cases to `ß`; both are mapped here as folding does. Cherokee
 * letters come out lower case where CaseFolding.txt folds them to upper case: the same logins are equal
 * either way. A library would be preferable, but none kept up to date offers full case folding without
 * pulling in Unicode data tables; ICU, through the engine's own case mappings, is the table used here.
 */
export function normalizeLogin(login: string): string {
  // ASCII is its own NFKC and folds by lower-casing: the common case, on the sign-in path.
  if (ASCII.test(login)) return login.toLowerCase();
  let folded = '';
  for (const character of login.normalize('NFKC')) folded += FOLD_EXCEPTIONS[character] ?? fold(character);
  return folded.normalize('NFKC');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: all of ASCII, control characters included
const ASCII = /^[\u0000-\u007f]*$/;

const FOLD_EXCEPTIONS: Readonly<Record<string, string>> = { ı: 'ı', ẞ: 'ss' };

function fold(character: string): string {
  return character.toUpperCase().toLowerCase();
}
