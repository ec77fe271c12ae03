import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '@lapse/shared';
import { adminRoleTypesOf } from '../admin-roles/admin-roles.projection';
import type { AdminRoleType } from '../user/domain/user.state';

/** The console's session cookie: only its SHA-256 is stored. */
export const CONSOLE_COOKIE = 'lapse_console';

export interface ConsoleAdmin {
  readonly sessionId: string;
  readonly userId: string;
  readonly login: string;
  readonly name: string;
  readonly role: AdminRoleType;
}

const digest = (sessionId: string) => createHash('sha256').update(sessionId, 'utf8').digest();

/** Users who may keep a console session: not suspended, locked, deactivated or waiting for activation. */
const SIGNED_IN_STATUSES = ['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY'];

/**
 * Console sessions in `directory_console_sessions`. A session ends when it is idle too long, when it reaches
 * its maximum lifetime, at sign-out, and — checked on every request — when its user is suspended, locked,
 * deactivated or no longer holds an admin role.
 */
export class ConsoleSessionStore {
  constructor(
    private readonly db: Queryable,
    private readonly idleMinutes: number,
    private readonly maxLifetimeMinutes: number,
  ) {}

  async start(userId: string, now: Date): Promise<string> {
    // Sessions that ended without their browser coming back (idle or past their lifetime) go here.
    await this.db.query(
      'DELETE FROM directory_console_sessions WHERE expires_at <= $1 OR last_seen_at <= $2',
      [now, new Date(now.getTime() - this.idleMinutes * 60_000)],
    );
    const sessionId = randomBytes(32).toString('base64url');
    await this.db.query(
      `INSERT INTO directory_console_sessions (id_hash, user_id, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $3, $4)`,
      [digest(sessionId), userId, now, new Date(now.getTime() + this.maxLifetimeMinutes * 60_000)],
    );
    return sessionId;
  }

  /** The signed-in administrator, or null (and the session deleted) when it must end. Counts as a use. */
  async resume(sessionId: string | null, now: Date): Promise<ConsoleAdmin | null> {
    if (!sessionId || sessionId.length > 100) return null;
    const idleSince = new Date(now.getTime() - this.idleMinutes * 60_000);
    const { rows } = await this.db.query<{
      user_id: string;
      live: boolean;
      status: string | null;
      login: string | null;
      first_name: string | null;
      last_name: string | null;
    }>(
      `SELECT s.user_id, (s.last_seen_at > $2 AND s.expires_at > $3) AS live,
              u.status, u.login, u.first_name, u.last_name
         FROM directory_console_sessions s
         LEFT JOIN directory_users_current u ON u.id = s.user_id
        WHERE s.id_hash = $1`,
      [digest(sessionId), idleSince, now],
    );
    const row = rows[0];
    if (!row) return null;
    const roles = await adminRoleTypesOf(this.db, row.user_id);
    if (!row.live || !row.status || !SIGNED_IN_STATUSES.includes(row.status) || roles.length === 0) {
      await this.end(sessionId);
      return null;
    }
    await this.db.query('UPDATE directory_console_sessions SET last_seen_at = $2 WHERE id_hash = $1', [
      digest(sessionId),
      now,
    ]);
    const name = [row.first_name, row.last_name].filter(Boolean).join(' ');
    return {
      sessionId,
      userId: row.user_id,
      login: row.login ?? '',
      name: name || (row.login ?? ''),
      role: roles[0],
    };
  }

  async end(sessionId: string): Promise<void> {
    await this.db.query('DELETE FROM directory_console_sessions WHERE id_hash = $1', [digest(sessionId)]);
  }
}
