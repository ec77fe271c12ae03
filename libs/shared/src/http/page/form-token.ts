import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for HTML forms (OWASP's signed double-submit pattern): a token is a random nonce and an HMAC of
 * that nonce with what it is bound to — a session id, or for forms shown before there is a session (sign-in,
 * forgot password) the value of a random cookie the page sets. A token taken from one browser does not verify
 * for another binding, and nothing is stored server-side. Routes that take a form check it with `verify` and
 * also keep the Origin check (`crossSiteProblem`).
 */
export class FormTokens {
  constructor(private readonly secret: Buffer | string) {}

  issue(binding: string): string {
    const nonce = randomBytes(16).toString('base64url');
    return `${nonce}.${this.mac(nonce, binding)}`;
  }

  verify(binding: string, token: unknown): boolean {
    if (typeof token !== 'string' || binding.length === 0) return false;
    const [nonce, mac, extra] = token.split('.');
    if (!nonce || !mac || extra !== undefined) return false;
    const expected = Buffer.from(this.mac(nonce, binding));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(nonce: string, binding: string): string {
    return createHmac('sha256', this.secret).update(`form:${nonce}:${binding}`).digest('base64url');
  }
}

/** A fresh random value for a pre-session binding cookie. */
export function newFormBinding(): string {
  return randomBytes(18).toString('base64url');
}
