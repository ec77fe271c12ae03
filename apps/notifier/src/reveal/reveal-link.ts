import { createHash } from 'node:crypto';

/** The path of the page that reveals a temporary password once. */
export function revealPath(token: string): string {
  return `/notifier/reveal/${token}`;
}

/** How a reveal link's token is kept: only its SHA-256, never the token. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
