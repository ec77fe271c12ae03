import type { Queryable } from '@lapse/shared';

export interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  created_at: Date;
  last_updated: Date;
  last_membership_updated: Date | null;
}

export const GROUP_COLUMNS = 'id, name, description, created_at, last_updated, last_membership_updated';

/** Okta's Group object (`OKTA_GROUP`, `okta:user_group`), from the read model. */
export function presentGroup(row: GroupRow, baseUrl: string) {
  const self = `${baseUrl}/api/v1/groups/${row.id}`;
  return {
    id: row.id,
    created: row.created_at.toISOString(),
    lastUpdated: row.last_updated.toISOString(),
    lastMembershipUpdated: (row.last_membership_updated ?? row.created_at).toISOString(),
    objectClass: ['okta:user_group'],
    type: 'OKTA_GROUP',
    profile: { name: row.name, description: row.description },
    _links: {
      logo: [],
      users: { href: `${self}/users` },
      apps: { href: `${self}/apps` },
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The group by id; null when there is none (an id that is not a UUID is no group's). */
export async function findGroup(db: Queryable, id: string): Promise<GroupRow | null> {
  if (!UUID.test(id)) return null;
  const { rows } = await db.query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM directory_groups WHERE id = $1`, [
    id,
  ]);
  return rows[0] ?? null;
}

/** The ids among `ids` that are no group's. */
export async function unknownGroupIds(db: Queryable, ids: readonly string[]): Promise<string[]> {
  const wellFormed = ids.filter((id) => UUID.test(id));
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM directory_groups WHERE id = ANY($1::uuid[])',
    [wellFormed],
  );
  const known = new Set(rows.map((row) => row.id));
  return ids.filter((id) => !known.has(id.toLowerCase()));
}
