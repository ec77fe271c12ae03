import { looksLikeSecretToken, newSecretToken } from './secret-token';

describe('newSecretToken', () => {
  it('gives 32-byte base64url secrets, never the same twice across many pool refills', () => {
    const tokens = Array.from({ length: 1000 }, () => newSecretToken());
    expect(new Set(tokens).size).toBe(1000);
    for (const token of tokens) {
      expect(looksLikeSecretToken(token)).toBe(true);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
  });

  it('never hands out the zeroed bytes of a spent part of the pool', () => {
    const zero = Buffer.alloc(32).toString('base64url');
    expect(Array.from({ length: 300 }, () => newSecretToken())).not.toContain(zero);
  });
});
