import { fold, NotFoundError } from '@lapse/shared/core';
import { type AdminTokenEvent, adminTokenDecider } from './admin-token.decider';

const tokenId = '0b7c2f7e-2a53-4c39-9f0e-5d5b7d3c1a11';
const revoke = { type: 'RevokeAdminToken', tokenId, revokedAt: '2026-12-06T21:00:00.000Z' } as const;
const given = (events: readonly AdminTokenEvent[]) => fold(adminTokenDecider, events);

describe('the admin-token decider', () => {
  describe('when the token has not been revoked', () => {
    it('records its revocation, naming the token by id only', () => {
      expect(adminTokenDecider.decide(revoke, given([]))).toEqual([
        { type: 'AdminTokenRevoked', schemaVersion: 1, data: { tokenId, revokedAt: revoke.revokedAt } },
      ]);
    });
  });

  describe('when the token was revoked already', () => {
    it('refuses to revoke it again, as a token that is not there', () => {
      const revoked = adminTokenDecider.decide(revoke, given([]));
      expect(() => adminTokenDecider.decide(revoke, given(revoked))).toThrow(NotFoundError);
    });
  });
});
