import { normalizeLogin } from './login';

const same = (a: string, b: string) => expect(normalizeLogin(a)).toBe(normalizeLogin(b));
const different = (a: string, b: string) => expect(normalizeLogin(a)).not.toBe(normalizeLogin(b));

describe('a login, normalized', () => {
  it('lower-cases ASCII', () => {
    expect(normalizeLogin('Ada.Lovelace@Example.COM')).toBe('ada.lovelace@example.com');
  });

  it('folds Åda and ÅDA to one login', () => {
    expect(normalizeLogin('Åda@example.com')).toBe('åda@example.com');
    same('ÅDA@EXAMPLE.COM', 'åda@example.com');
  });

  it('reads the Angstrom sign U+212B as Å', () => {
    same('\u212Bda@example.com', 'Åda@example.com');
  });

  it('composes a decomposed Å (A + combining ring, NFD)', () => {
    same('A\u030Ada@example.com', 'Åda@example.com');
    expect(normalizeLogin('A\u030Ada@example.com')).toBe('\u00E5da@example.com');
  });

  it('reads fullwidth letters as their ASCII letters', () => {
    same('\uFF21\uFF44\uFF41@example.com', 'ada@example.com');
  });

  it('folds ß, ẞ and SS alike (full case folding, where toLowerCase keeps ß)', () => {
    expect(normalizeLogin('straße@example.com')).toBe('strasse@example.com');
    same('STRASSE@example.com', 'straße@example.com');
    same('STRAẞE@example.com', 'straße@example.com');
  });

  it('folds a final sigma like any other sigma', () => {
    same('ΟΔΟΣ@example.com', 'οδος@example.com');
    same('οδος@example.com', 'οδοσ@example.com');
  });

  it('folds a Greek capital with prosgegrammeni to its two letters', () => {
    same('ᾼ', 'αι');
  });

  it('keeps dotless ı apart from i, and folds I to i and İ to i + dot above (no Turkic folding)', () => {
    expect(normalizeLogin('ı')).toBe('ı');
    different('ı', 'i');
    expect(normalizeLogin('I')).toBe('i');
    expect(normalizeLogin('İ')).toBe('i\u0307');
    different('İ', 'I');
  });

  it('folds ligatures and compatibility letters (ﬁ, long s, Kelvin sign)', () => {
    same('ﬁnn@example.com', 'FINN@example.com');
    same('ſam@example.com', 'sam@example.com');
    same('\u212Aim@example.com', 'kim@example.com');
  });

  it('gives Cherokee letters in either case one form', () => {
    same('\u13A0', '\uAB70');
  });

  it('is idempotent', () => {
    for (const login of ['Åda@Example.com', 'STRAẞE', 'ΟΔΟΣ', 'İstanbul', 'ᾼ', '\uFF21']) {
      expect(normalizeLogin(normalizeLogin(login))).toBe(normalizeLogin(login));
    }
  });

  it('keeps logins that differ in more than case and form apart', () => {
    different('ada@example.com', 'ade@example.com');
    different('åda@example.com', 'ada@example.com');
  });
});
