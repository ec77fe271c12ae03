import type { MessageHandler, Queryable, UserCreatedV1 } from '@lapse/shared';

/** The few profile fields notices need (email, phone, first name), kept from `UserCreated`. */
export const projectContactWhenUserCreated: MessageHandler = async (message, tx) => {
  const user = message.payload as UserCreatedV1;
  await tx.query(
    `INSERT INTO notifier_contacts (user_id, login, email, mobile_phone, first_name) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id) DO UPDATE SET login = EXCLUDED.login, email = EXCLUDED.email,
       mobile_phone = EXCLUDED.mobile_phone, first_name = EXCLUDED.first_name, updated_at = now()`,
    [user.userId, user.login, user.email ?? null, user.mobilePhone ?? null, user.firstName ?? null],
  );
};

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
