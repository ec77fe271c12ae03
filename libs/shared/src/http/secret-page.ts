/**
 * Headers for an HTML page that shows or handles a secret (a temporary password, a reset link): never
 * cached, never framed, no referrer sent on, no type sniffing, and the page's own `contentSecurityPolicy`.
 */
export function secretPageHeaders(contentSecurityPolicy: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'content-security-policy': contentSecurityPolicy,
  };
}
