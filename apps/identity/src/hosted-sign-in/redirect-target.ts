/**
 * Where a signed-in browser may be sent: `fromURI` (absolute, or a path on this site) only when its origin is
 * one of the allowed ones, and only over http(s). Anything else — another origin, `//host`, `/\host`,
 * `javascript:`, a malformed URL — is null, and the caller shows its own signed-in page: never an open
 * redirect. The URL parser resolves the tricks (`//`, backslashes, tabs) before the origin is compared.
 */
export function allowedRedirect(
  fromURI: string | null | undefined,
  publicUrl: string,
  allowedOrigins: readonly string[],
): string | null {
  if (typeof fromURI !== 'string' || fromURI.length === 0 || fromURI.length > 2048) return null;
  let target: URL;
  try {
    target = new URL(fromURI, publicUrl);
  } catch {
    return null;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return null;
  if (target.username !== '' || target.password !== '') return null;
  return allowedOrigins.includes(target.origin) ? target.href : null;
}
