import { NotFoundError } from '@lapse/shared/core';
import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import { type AdminTokenRevoked, adminTokenDecider } from './admin-token.decider';

const tokenId = '0b7c2f7e-2a53-4c39-9f0e-5d5b7d3c1a11';
const revokedAt = '2026-12-06T21:00:00.000Z';
const revoke = { type: 'RevokeAdminToken', tokenId, revokedAt } as const;
const revoked: AdminTokenRevoked = {
  type: 'AdminTokenRevoked',
  schemaVersion: 1,
  data: { tokenId, revokedAt },
};
const spec = DeciderSpecification.for(adminTokenDecider);

describe('the admin-token decider', () => {
  describe('when the token has not been revoked', () => {
    it('records its revocation, naming the token by id only', () => {
      spec.given([]).when(revoke).then([revoked]);
    });
  });

  describe('when the token was revoked already', () => {
    it('refuses to revoke it again, as a token that is not there', () => {
      spec.given([revoked]).when(revoke).thenThrows(NotFoundError);
    });
  });
});
