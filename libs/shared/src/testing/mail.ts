/**
 * For specs that read what the app emails: the settings that send its mail to a capture server (plain SMTP,
 * the outbox polled every 50 ms).
 */
export function mailTo(smtpUrl: string): Record<string, string> {
  return { SMTP_URL: smtpUrl, SMTP_REQUIRE_TLS: 'false', DELIVERY_POLL_MS: '50' };
}

/**
 * The first link in `text` to `origin` + `path` followed by a 43-character token (a sealed link or a
 * recovery token), with that token; undefined when there is none.
 */
export function emailedLink(
  text: string,
  origin: string,
  path: string,
): { link: string; token: string } | undefined {
  const found = new RegExp(`${origin.replace(/[.:/]/g, '\\$&')}${path}([A-Za-z0-9_-]{43})`).exec(text);
  return found ? { link: found[0], token: found[1] } : undefined;
}
