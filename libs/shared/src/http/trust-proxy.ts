import { isIP } from 'node:net';

/** Names Express's `trust proxy` (proxy-addr) accepts for ranges, next to addresses and CIDRs. */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Why a `TRUST_PROXY` entry would not be understood by Express (`trust proxy`, proxy-addr), or null: an
 * IPv4/IPv6 address, a CIDR (`10.0.0.0/8`, `fd00::/8`), or one of `loopback`, `linklocal`, `uniquelocal`.
 */
export function trustProxyEntryProblem(entry: string): string | null {
  if (RANGE_NAMES.includes(entry)) return null;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0)
    return `"${entry}" is not an address, a CIDR or ${RANGE_NAMES.join('/')}`;
  if (prefix === undefined) return null;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  return bits >= 0 && bits <= (version === 4 ? 32 : 128) ? null : `"${entry}" has an invalid prefix length`;
}
