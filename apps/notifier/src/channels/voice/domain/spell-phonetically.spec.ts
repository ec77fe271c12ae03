import { spellPhonetically, voiceMessage } from './spell-phonetically';

describe('spelling a password for a voice call', () => {
  it('says the case of every letter with the NATO alphabet and digits as words', () => {
    expect(spellPhonetically('aB7')).toBe('lowercase alfa, capital Bravo, seven');
  });

  it('names symbols', () => {
    expect(spellPhonetically('x$-0')).toBe('lowercase x-ray, dollar sign, dash, zero');
  });

  it('speaks the whole password twice with a greeting', () => {
    const text = voiceMessage('Q9', 'Ada');
    expect(text).toMatch(/^Hello Ada\./);
    expect(text.match(/capital Quebec, nine/g)).toHaveLength(2);
    expect(text).not.toContain('Q9');
  });
});
