import type { Request } from 'express';

/**
 * The client's address as Express resolves it (`request.ip`: the socket's peer, or the address a trusted
 * proxy named in `X-Forwarded-For` — only proxies `TRUST_PROXY` lists are trusted), an IPv4-mapped IPv6
 * address written as plain IPv4. Null when the socket is already gone.
 */
export function clientAddressOf(request: Request): string | null {
  const ip = request.ip ?? request.socket?.remoteAddress;
  if (!ip) return null;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
