import type { Queryable } from '@lapse/shared';
import { type ExistingUser, expiryOf, ONE_TIME_PASSWORD_MODE_MESSAGE } from './domain/user.state';

export interface TempPasswordDelivery {
  readonly status: 'NOT_REQUESTED' | 'REQUESTED' | 'DELIVERED' | 'FAILED';
  readonly channel: string | null;
  readonly at: string;
  readonly reason: string | null;
}

function profileOf(user: ExistingUser): Record<string, string | null> {
  const profile: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(user.profile)) if (value !== undefined) profile[key] = value;
  return profile;
}

function links(user: ExistingUser, baseUrl: string): Record<string, { href: string; method?: string }> {
  const self = `${baseUrl}/api/v1/users/${user.userId}`;
  const post = (path: string) => ({ href: `${self}/${path}`, method: 'POST' });
  const result: Record<string, { href: string; method?: string }> = { self: { href: self } };
  switch (user.status) {
    case 'STAGED':
      result.activate = post('lifecycle/activate');
      break;
    case 'LOCKED_OUT':
      result.unlock = post('lifecycle/unlock');
      break;
    case 'SUSPENDED':
      result.unsuspend = post('lifecycle/unsuspend');
      break;
    case 'ACTIVE':
    case 'PASSWORD_EXPIRED':
    case 'RECOVERY':
      result.suspend = post('lifecycle/suspend');
      result.expirePassword = post('lifecycle/expire_password');
      result.resetPassword = post('lifecycle/reset_password');
      result.changePassword = post('credentials/change_password');
      break;
    default:
      break;
  }
  if (user.status !== 'DEPROVISIONED') result.deactivate = post('lifecycle/deactivate');
  return result;
}

/**
 * Okta's User object. Lapse additions (documented in docs/directory.md): `statusDetail` (one-time password
 * mode message), `credentials.password.oneTimeMode`, `.tempPasswordExpiresAt`, `.tempPasswordDelivery`,
 * `.expired` `{cause, jobId, at}`, `.expiryExempt` (true while exempt from the policy's maximum age). `lastLogin`: the user's last successful sign-in at identity
 * (`lastLoginsOf`), null when never.
 */
export function presentUser(
  user: ExistingUser,
  baseUrl: string,
  delivery: TempPasswordDelivery | null = null,
  lastLogin: string | null = null,
): Record<string, unknown> {
  const expiry = expiryOf(user);
  const password: Record<string, unknown> = {};
  if (expiry) password.expired = { cause: expiry.cause, jobId: expiry.jobId, at: expiry.expiredAt };
  if (expiry?.temporary) {
    password.oneTimeMode = true;
    password.tempPasswordExpiresAt = expiry.temporary.expiresAt;
    password.tempPasswordDelivery = delivery;
  }
  if (user.passwordAgeExempt) password.expiryExempt = true;
  const credentials: Record<string, unknown> = { provider: user.provider };
  if (user.password) credentials.password = password;
  return {
    id: user.userId,
    status: user.status,
    ...(expiry?.temporary ? { statusDetail: ONE_TIME_PASSWORD_MODE_MESSAGE } : {}),
    created: user.createdAt,
    activated: user.activatedAt,
    statusChanged: user.statusChangedAt,
    lastLogin,
    lastUpdated: user.lastUpdatedAt,
    passwordChanged: user.password?.changedAt ?? null,
    type: { id: 'default' },
    profile: profileOf(user),
    credentials,
    _links: links(user, baseUrl),
  };
}

/** The delivery record of the user's current temporary password, if any. */
export async function deliveryOf(db: Queryable, user: ExistingUser): Promise<TempPasswordDelivery | null> {
  const deliveryId = expiryOf(user)?.temporary?.deliveryId;
  if (!deliveryId) return null;
  const { rows } = await db.query<{
    status: TempPasswordDelivery['status'];
    channel: string | null;
    requested_channel: string | null;
    updated_at: Date;
    reason: string | null;
  }>(
    'SELECT status, channel, requested_channel, updated_at, reason FROM directory_temp_password_deliveries WHERE delivery_id = $1',
    [deliveryId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    status: row.status,
    channel: row.channel ?? row.requested_channel,
    at: row.updated_at.toISOString(),
    reason: row.reason,
  };
}

/** Each user's last successful sign-in (from identity's `SignInAttempted`), by user id; absent when never. */
export async function lastLoginsOf(db: Queryable, userIds: readonly string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const { rows } = await db.query<{ user_id: string; last_login: Date }>(
    'SELECT user_id, last_login FROM directory_user_last_logins WHERE user_id = ANY($1::uuid[])',
    [userIds],
  );
  return new Map(rows.map((row) => [row.user_id, row.last_login.toISOString()]));
}

/** The User as the admin API answers it after a read or a command: with its delivery record and `lastLogin`. */
export async function presentStoredUser(
  db: Queryable,
  user: ExistingUser,
  baseUrl: string,
): Promise<Record<string, unknown>> {
  const [delivery, lastLogins] = await Promise.all([deliveryOf(db, user), lastLoginsOf(db, [user.userId])]);
  return presentUser(user, baseUrl, delivery, lastLogins.get(user.userId) ?? null);
}
