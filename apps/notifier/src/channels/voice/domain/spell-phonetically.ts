const NATO: Readonly<Record<string, string>> = {
  a: 'Alfa',
  b: 'Bravo',
  c: 'Charlie',
  d: 'Delta',
  e: 'Echo',
  f: 'Foxtrot',
  g: 'Golf',
  h: 'Hotel',
  i: 'India',
  j: 'Juliett',
  k: 'Kilo',
  l: 'Lima',
  m: 'Mike',
  n: 'November',
  o: 'Oscar',
  p: 'Papa',
  q: 'Quebec',
  r: 'Romeo',
  s: 'Sierra',
  t: 'Tango',
  u: 'Uniform',
  v: 'Victor',
  w: 'Whiskey',
  x: 'X-ray',
  y: 'Yankee',
  z: 'Zulu',
};

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

const SYMBOLS: Readonly<Record<string, string>> = {
  '!': 'exclamation mark',
  '@': 'at sign',
  '#': 'hash',
  $: 'dollar sign',
  '%': 'percent',
  '^': 'caret',
  '&': 'ampersand',
  '*': 'asterisk',
  '(': 'open parenthesis',
  ')': 'close parenthesis',
  '-': 'dash',
  _: 'underscore',
  '=': 'equals',
  '+': 'plus',
  '[': 'open bracket',
  ']': 'close bracket',
  '{': 'open brace',
  '}': 'close brace',
  ';': 'semicolon',
  ':': 'colon',
  "'": 'apostrophe',
  '"': 'quotation mark',
  ',': 'comma',
  '.': 'period',
  '<': 'less than',
  '>': 'greater than',
  '/': 'slash',
  '?': 'question mark',
  '\\': 'backslash',
  '|': 'vertical bar',
  '`': 'backtick',
  '~': 'tilde',
  ' ': 'space',
};

/** One character as it is spoken: "capital Alfa", "lowercase bravo", "seven", "dollar sign". */
export function speakCharacter(character: string): string {
  const lower = character.toLowerCase();
  if (NATO[lower])
    return character === lower ? `lowercase ${NATO[lower].toLowerCase()}` : `capital ${NATO[lower]}`;
  if (/^[0-9]$/.test(character)) return DIGITS[Number(character)];
  return SYMBOLS[character] ?? `character code ${character.codePointAt(0)}`;
}

/** A password spelled out for a voice call, one character per comma-separated phrase. */
export function spellPhonetically(password: string): string {
  return [...password].map(speakCharacter).join(', ');
}

/** The whole text the voice provider speaks: the password twice, slowly. */
export function voiceMessage(password: string, firstName: string | null): string {
  const greeting = firstName ? `Hello ${firstName}.` : 'Hello.';
  const spelled = spellPhonetically(password);
  return (
    `${greeting} Your administrator has reset your password. Your temporary password is: ${spelled}. ` +
    `Again: ${spelled}. You will be asked to choose a new password when you sign in.`
  );
}
