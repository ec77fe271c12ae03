import type { IdentityConfig } from '../identity.config';
import { PasswordHashHints } from './password-hash-hints';

const hints = (capacity: number) => new PasswordHashHints({ passwordHashHints: capacity } as IdentityConfig);

describe('PasswordHashHints', () => {
  it('remembers the hash a login had, whatever the case it is typed in', () => {
    const kept = hints(10);
    kept.remember('Ada@Example.com', '$argon2id$a');
    expect(kept.get('ada@example.COM')).toBe('$argon2id$a');
    kept.remember('ada@example.com', '$argon2id$b');
    expect(kept.get('ADA@example.com')).toBe('$argon2id$b');
  });

  it('forgets a login the lookup did not find or that has no password', () => {
    const kept = hints(10);
    kept.remember('ada@example.com', '$argon2id$a');
    kept.remember('ada@example.com', null);
    expect(kept.get('ada@example.com')).toBeUndefined();
  });

  it('keeps at most its capacity, the least recently used going first', () => {
    const kept = hints(2);
    kept.remember('a', 'ha');
    kept.remember('b', 'hb');
    expect(kept.get('a')).toBe('ha');
    kept.remember('c', 'hc');
    expect(kept.get('b')).toBeUndefined();
    expect(kept.get('a')).toBe('ha');
    expect(kept.get('c')).toBe('hc');
  });

  it('keeps nothing with a capacity of 0', () => {
    const kept = hints(0);
    kept.remember('a', 'ha');
    expect(kept.get('a')).toBeUndefined();
  });
});
