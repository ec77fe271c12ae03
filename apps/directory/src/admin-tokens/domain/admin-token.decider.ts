import { assertNever, type Decider, type DomainEvent, NotFoundError } from '@lapse/shared/core';

/**
 * The `admin-token-<id>` stream: the facts about an admin API token that other services must hear of.
 * The token itself (its name, role and SHA-256) lives in `directory_admin_tokens`; its creation is not
 * an event, because no other service needs it.
 */
export type AdminTokenRevoked = DomainEvent<
  'AdminTokenRevoked',
  { readonly tokenId: string; readonly revokedAt: string }
>;
export type AdminTokenEvent = AdminTokenRevoked;

export interface RevokeAdminToken {
  readonly type: 'RevokeAdminToken';
  readonly tokenId: string;
  readonly revokedAt: string;
}
export type AdminTokenCommand = RevokeAdminToken;

export type AdminTokenState = { readonly status: 'ACTIVE' } | { readonly status: 'REVOKED' };

export const ADMIN_TOKEN_STREAM = 'admin-token-';

export const adminTokenDecider: Decider<AdminTokenCommand, AdminTokenEvent, AdminTokenState> = {
  initialState: () => ({ status: 'ACTIVE' }),
  decide(command, state) {
    switch (command.type) {
      case 'RevokeAdminToken':
        // A revoked token is gone, as far as the API is concerned.
        if (state.status === 'REVOKED') throw new NotFoundError('Token');
        return [
          {
            type: 'AdminTokenRevoked',
            schemaVersion: 1,
            data: { tokenId: command.tokenId, revokedAt: command.revokedAt },
          },
        ];
      default:
        return assertNever(command.type, 'command');
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'AdminTokenRevoked':
        return { status: 'REVOKED' };
      default:
        return assertNever(event.type, 'event');
    }
  },
};
