import {
  batchHandler,
  type MessageHandler,
  type PasswordAgeExemptionChangedV1,
  type PasswordChangedV1,
  type PasswordExpiredV1,
  type PasswordPolicyUpdatedV1,
  type GroupDeletedV1,
  type GroupPasswordPolicyChangedV1,
  type GroupPasswordPolicyDeletedV1,
  type UserAddedToGroupV1,
  type UserRemovedFromGroupV1,
  type Queryable,
  type UserCreatedV1,
  type UserStatusChangedV1,
} from '@lapse/shared';

/**
 * What the reminders need to know of each user, from directory's published events: when the password was
 * last changed, the provider (only directory-mastered passwords age), the status (only ACTIVE users are
 * reminded; the status follows the decider's rules as far as the events show them) and the exemption.
 * Directory publishes no event for users that existed before this projection: they are reminded once their
 * password next changes.
 */
export async function projectPasswordAges(db: Queryable, users: readonly UserCreatedV1[]): Promise<void> {
  await db.query(
    `INSERT INTO notifier_password_ages (user_id, provider_type, status, password_changed_at)
     SELECT DISTINCT ON (user_id) user_id, provider_type, status, password_changed_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
              WITH ORDINALITY AS u(user_id, provider_type, status, password_changed_at, n)
      ORDER BY user_id, n DESC
     ON CONFLICT (user_id) DO UPDATE SET provider_type = EXCLUDED.provider_type, status = EXCLUDED.status,
       password_changed_at = EXCLUDED.password_changed_at, updated_at = now()`,
    [
      users.map((user) => user.userId),
      users.map((user) => user.provider.type),
      users.map((user) => user.status),
      users.map((user) => user.passwordChangedAt ?? null),
    ],
  );
}

/** A new password: its age starts again, and the user is ACTIVE again (staged and locked users stay so). */
export const projectPasswordChanged: MessageHandler = async (message, tx) => {
  const changed = message.payload as PasswordChangedV1;
  await tx.query(
    `UPDATE notifier_password_ages
        SET password_changed_at = $2, updated_at = now(),
            status = CASE WHEN status IN ('STAGED', 'LOCKED_OUT') THEN status ELSE 'ACTIVE' END
      WHERE user_id = $1`,
    [changed.userId, changed.changedAt],
  );
};

/**
 * Expired (by an admin, in bulk, or by age): no more reminders for that password. A bulk fan-out delivers
 * thousands per fetch: one statement for the run (the last status of a user's wins, as one by one).
 * `user_id = ANY ($1)` lets the planner probe the primary key for the run's users instead of hash-joining a
 * scan of the whole table (as identity's projection found, docs/performance.md "Identity's projection").
 */
export async function projectPasswordsExpired(
  db: Queryable,
  facts: readonly PasswordExpiredV1[],
): Promise<void> {
  await db.query(
    `UPDATE notifier_password_ages a
        SET updated_at = now(),
            status = coalesce(f.status,
                              CASE WHEN a.status IN ('LOCKED_OUT', 'SUSPENDED') THEN a.status ELSE 'PASSWORD_EXPIRED' END)
       FROM (SELECT DISTINCT ON (user_id) user_id, status
               FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS f(user_id, status, n)
              ORDER BY user_id, n DESC) f
      WHERE a.user_id = f.user_id AND a.user_id = ANY ($1::text[])`,
    [facts.map((fact) => fact.userId), facts.map((fact) => fact.status ?? null)],
  );
}

export const projectStatusChanged: MessageHandler = async (message, tx) => {
  const changed = message.payload as UserStatusChangedV1;
  await tx.query('UPDATE notifier_password_ages SET status = $2, updated_at = now() WHERE user_id = $1', [
    changed.userId,
    changed.to,
  ]);
};

export const projectExemptionChanged: MessageHandler = async (message, tx) => {
  const changed = message.payload as PasswordAgeExemptionChangedV1;
  await tx.query('UPDATE notifier_password_ages SET exempt = $2, updated_at = now() WHERE user_id = $1', [
    changed.userId,
    changed.exempt,
  ]);
};

/** The policy's age settings; an older update arriving late changes nothing. */
export const projectPolicyUpdated = batchHandler(
  async (messages, tx) => {
    for (const message of messages) {
      const policy = message.payload as PasswordPolicyUpdatedV1;
      await tx.query(
        `INSERT INTO notifier_password_policy (id, max_age_days, expire_warn_days, updated_at)
         VALUES ('password', $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET max_age_days = EXCLUDED.max_age_days,
           expire_warn_days = EXCLUDED.expire_warn_days, updated_at = EXCLUDED.updated_at
         WHERE notifier_password_policy.updated_at <= EXCLUDED.updated_at`,
        [policy.maxAgeDays, policy.expireWarnDays, policy.updatedAt],
      );
    }
  },
  { idempotent: true },
);

/** Memberships, for the reminders of users under a group policy (a user's facts arrive in order). */
export const projectGroupMembership =
  (added: boolean): MessageHandler =>
  async (message, tx) => {
    const fact = message.payload as UserAddedToGroupV1 | UserRemovedFromGroupV1;
    await tx.query(
      added
        ? 'INSERT INTO notifier_group_members (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING'
        : 'DELETE FROM notifier_group_members WHERE user_id = $1 AND group_id = $2',
      [fact.userId, fact.groupId],
    );
  };

/** A deleted group takes every membership in it (no UserRemovedFromGroup per member follows). */
export const projectGroupDeleted: MessageHandler = async (message, tx) => {
  await tx.query('DELETE FROM notifier_group_members WHERE group_id = $1', [
    (message.payload as GroupDeletedV1).groupId,
  ]);
};

/** A group policy's conditions, place and age settings; an older change arriving late changes nothing. */
export const projectGroupPasswordPolicyChanged: MessageHandler = async (message, tx) => {
  const policy = message.payload as GroupPasswordPolicyChangedV1;
  await tx.query(
    `INSERT INTO notifier_group_password_policies
       (id, status, priority, priority_set_at, group_ids, provider, max_age_days, expire_warn_days, changed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, priority = EXCLUDED.priority,
       priority_set_at = EXCLUDED.priority_set_at, group_ids = EXCLUDED.group_ids, provider = EXCLUDED.provider,
       max_age_days = EXCLUDED.max_age_days, expire_warn_days = EXCLUDED.expire_warn_days,
       changed_at = EXCLUDED.changed_at
     WHERE notifier_group_password_policies.changed_at <= EXCLUDED.changed_at`,
    [
      policy.policyId,
      policy.status,
      policy.priority,
      policy.prioritySetAt,
      [...policy.groupIds],
      policy.provider,
      policy.settings.age.maxAgeDays,
      policy.settings.age.expireWarnDays,
      policy.changedAt,
    ],
  );
};

export const projectGroupPasswordPolicyDeleted: MessageHandler = async (message, tx) => {
  await tx.query('DELETE FROM notifier_group_password_policies WHERE id = $1', [
    (message.payload as GroupPasswordPolicyDeletedV1).policyId,
  ]);
};
