import {
  batchHandler,
  type MessageHandler,
  type Queryable,
  type UserCreatedV1,
  type UserProfileUpdatedV1,
} from '@lapse/shared';
import { projectPasswordAges } from './password-ages.projection';

/**
 * The few profile fields notices need (email, phone, first name), kept from `UserCreated`, and the
 * password's age the reminders count (`password-ages.projection.ts`). An import delivers thousands per
 * fetch, so a run of them is one statement each; the last of a user's in the run wins, as applying them one
 * by one would leave it.
 */
export const projectContactWhenUserCreated = batchHandler(async (messages, tx) => {
  const users = messages.map((message) => message.payload as UserCreatedV1);
  await projectContacts(tx, users);
  await projectPasswordAges(tx, users);
});

/**
 * An admin changed the profile: notices go to the user's current email and phone from then on (a reminder
 * already queued reads the contact again when it is sent). A user the notifier never saw created gets a row.
 */
export const projectContactWhenProfileUpdated: MessageHandler = async (message, tx) => {
  const updated = message.payload as UserProfileUpdatedV1;
  await tx.query(
    `INSERT INTO notifier_contacts (user_id, login, email, mobile_phone, first_name) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id) DO UPDATE SET login = EXCLUDED.login, email = EXCLUDED.email,
       mobile_phone = EXCLUDED.mobile_phone, first_name = EXCLUDED.first_name, updated_at = now()`,
    [
      updated.userId,
      updated.login,
      updated.email ?? null,
      updated.mobilePhone ?? null,
      updated.firstName ?? null,
    ],
  );
};

export async function projectContacts(db: Queryable, users: readonly UserCreatedV1[]): Promise<void> {
  await db.query(
    `INSERT INTO notifier_contacts (user_id, login, email, mobile_phone, first_name)
     SELECT DISTINCT ON (user_id) user_id, login, email, mobile_phone, first_name
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
              WITH ORDINALITY AS c(user_id, login, email, mobile_phone, first_name, n)
      ORDER BY user_id, n DESC
     ON CONFLICT (user_id) DO UPDATE SET login = EXCLUDED.login, email = EXCLUDED.email,
       mobile_phone = EXCLUDED.mobile_phone, first_name = EXCLUDED.first_name, updated_at = now()`,
    [
      users.map((user) => user.userId),
      users.map((user) => user.login),
      users.map((user) => user.email ?? null),
      users.map((user) => user.mobilePhone ?? null),
      users.map((user) => user.firstName ?? null),
    ],
  );
}
export interface Contact {
  readonly userId: string;
  readonly login: string;
  readonly email: string | null;
  readonly mobilePhone: string | null;
  readonly firstName: string | null;
}

export async function findContact(db: Queryable, userId: string): Promise<Contact | null> {
  const { rows } = await db.query<{
    user_id: string;
    login: string;
    email: string | null;
    mobile_phone: string | null;
    first_name: string | null;
  }>('SELECT user_id, login, email, mobile_phone, first_name FROM notifier_contacts WHERE user_id = $1', [
    userId,
  ]);
  const row = rows[0];
  return row
    ? {
        userId: row.user_id,
        login: row.login,
        email: row.email,
        mobilePhone: row.mobile_phone,
        firstName: row.first_name,
      }
    : null;
}
