/**
 * The state token of a forced password change, kept in this process between the sign-in form and the
 * change-password form, keyed by the browser's pre-session cookie: it never reaches a page, a URL or the
 * database. Short-lived (identity's state token expires too) and one per browser. A multi-instance
 * deployment needs the two posts to reach the same directory instance (or the administrator signs in again).
 */
export class PendingPasswordChanges {
  private readonly pending = new Map<string, { stateToken: string; userId: string; expiresAt: number }>();

  constructor(private readonly lifetimeMs = 5 * 60_000) {}

  put(binding: string, stateToken: string, userId: string, now: number): void {
    for (const [key, entry] of this.pending) if (entry.expiresAt <= now) this.pending.delete(key);
    this.pending.set(binding, { stateToken, userId, expiresAt: now + this.lifetimeMs });
  }

  get(binding: string | null, now: number): { stateToken: string; userId: string } | null {
    if (!binding) return null;
    const entry = this.pending.get(binding);
    if (!entry || entry.expiresAt <= now) return null;
    return { stateToken: entry.stateToken, userId: entry.userId };
  }

  drop(binding: string): void {
    this.pending.delete(binding);
  }
}
