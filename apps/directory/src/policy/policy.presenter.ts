import { DEFAULT_PASSWORD_POLICY_ID } from '@lapse/shared/core';
import type { PasswordPolicy } from './domain/password-policy';
import type { GroupPolicyRow } from './password-policies.service';

function links(baseUrl: string, policyId: string, allow: string[]) {
  return { self: { href: `${baseUrl}/api/v1/policies/${policyId}`, hints: { allow } } };
}

/** Okta's Policy object for the default policy (`system`, every group, lowest priority). */
export function presentDefaultPolicy(baseUrl: string, password: PasswordPolicy, priority: number) {
  return {
    id: DEFAULT_PASSWORD_POLICY_ID,
    type: 'PASSWORD',
    name: 'Default Policy',
    description: 'The default password policy applies to all users.',
    status: 'ACTIVE',
    system: true,
    priority,
    conditions: {
      people: { groups: { include: ['EVERYONE'] } },
      authProvider: { provider: 'OKTA' },
    },
    settings: { password },
    _links: links(baseUrl, DEFAULT_PASSWORD_POLICY_ID, ['GET', 'PUT']),
  };
}

/** Okta's Policy object for a policy scoped to groups; `priority` is its place among all policies. */
export function presentGroupPolicy(baseUrl: string, row: GroupPolicyRow) {
  const next = row.status === 'ACTIVE' ? 'deactivate' : 'activate';
  return {
    id: row.id,
    type: 'PASSWORD',
    name: row.name,
    description: row.description,
    status: row.status,
    system: false,
    priority: row.rank,
    created: row.created_at.toISOString(),
    lastUpdated: row.last_updated.toISOString(),
    conditions: {
      people: { groups: { include: row.group_ids } },
      authProvider: { provider: row.provider },
    },
    settings: { password: row.settings },
    _links: {
      ...links(baseUrl, row.id, ['GET', 'PUT', 'DELETE']),
      [next]: { href: `${baseUrl}/api/v1/policies/${row.id}/lifecycle/${next}`, hints: { allow: ['POST'] } },
    },
  };
}
