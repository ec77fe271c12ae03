import { randomUUID } from 'node:crypto';
import { type CredentialStateChangedV1, createPool, withTransaction } from '@lapse/shared';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import type { Pool } from 'pg';
import { identityManifest } from '../identity.manifest';
import {
  applyBulkExpiryCutoff,
  applyBulkExpiryUsers,
  applyGroupMembership,
  applyGroupMembershipsAdded,
  applyCredentialState,
  applyCredentialStates,
  applyPasswordExpired,
  applyPasswordsExpired,
} from './credential.projection';
import { gateFactsByLogin, gateFactsByUserId } from './credential.store';

const snapshot = (overrides: Partial<CredentialStateChangedV1> = {}): CredentialStateChangedV1 => ({
  userId: `00u${randomUUID()}`,
  login: `user-${randomUUID()}@example.com`,
  provider: { type: 'OKTA', name: 'OKTA' },
  status: 'ACTIVE',
  credentialVersion: 1,
  passwordHash: '$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
  passwordChangedAt: '2025-01-01T00:00:00.000Z',
  passwordExpired: false,
  oneTimePassword: null,
  changedAt: '2025-01-01T00:00:00.000Z',
  ...overrides,
});

describe('the credential-state projection', () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = createPool(await createTestDatabase(identityManifest.migrations, 'identity_projection'), 4);
  });
  afterAll(() => pool.end());

  const given = (...steps: ((tx: Pool) => Promise<unknown>)[]) =>
    withTransaction(pool, async (tx) => {
      for (const step of steps) await step(tx as unknown as Pool);
    });

  describe('given credential snapshots', () => {
    it('stores the snapshot as the user row, found by login case-insensitively', async () => {
      const first = snapshot();
      await given((tx) => applyCredentialState(tx, first));
      const facts = await gateFactsByLogin(pool, first.login.toUpperCase());
      expect(facts?.credential).toMatchObject({
        userId: first.userId,
        status: 'ACTIVE',
        credentialVersion: 1,
        passwordChangedAt: new Date('2025-01-01T00:00:00.000Z'),
      });
    });

    it('keeps the highest credentialVersion when an older snapshot arrives late', async () => {
      const v1 = snapshot();
      const v3 = { ...v1, credentialVersion: 3, status: 'PASSWORD_EXPIRED' as const, passwordExpired: true };
      const v2 = { ...v1, credentialVersion: 2, status: 'ACTIVE' as const };
      await given(
        (tx) => applyCredentialState(tx, v1),
        (tx) => applyCredentialState(tx, v3),
        (tx) => applyCredentialState(tx, v2),
      );
      const facts = await gateFactsByUserId(pool, v1.userId);
      expect(facts?.credential).toMatchObject({
        credentialVersion: 3,
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
      });
    });

    it('records the temporary password lifetime of one-time password mode', async () => {
      const oneTime = snapshot({
        oneTimePassword: { expiresAt: '2025-01-02T00:00:00.000Z' },
        status: 'PASSWORD_EXPIRED',
      });
      await given((tx) => applyCredentialState(tx, oneTime));
      expect((await gateFactsByUserId(pool, oneTime.userId))?.credential.oneTimeExpiresAt).toEqual(
        new Date('2025-01-02T00:00:00.000Z'),
      );
    });

    it('ends identity’s lock when directory unlocks the user', async () => {
      const user = snapshot();
      await given((tx) => applyCredentialState(tx, user));
      await pool.query(
        `INSERT INTO identity_lockouts (user_id, failed_attempts, locked_at) VALUES ($1, 3, '2025-01-01T01:00:00Z')`,
        [user.userId],
      );
      await given((tx) =>
        applyCredentialState(tx, {
          ...user,
          credentialVersion: 2,
          status: 'LOCKED_OUT',
          changedAt: '2025-01-01T01:00:01Z',
        }),
      );
      expect((await gateFactsByUserId(pool, user.userId))?.lockout?.lockedAt).not.toBeNull();
      await given((tx) =>
        applyCredentialState(tx, {
          ...user,
          credentialVersion: 3,
          status: 'ACTIVE',
          changedAt: '2025-01-01T02:00:00Z',
        }),
      );
      expect((await gateFactsByUserId(pool, user.userId))?.lockout).toBeNull();
    });

    it('applies a run of snapshots in one call as it would one by one, in order', async () => {
      const imported = snapshot();
      const overtaken = snapshot({ credentialVersion: 2 });
      const relocked = snapshot({ changedAt: '2025-01-01T00:00:00Z' });
      const stale = snapshot({ credentialVersion: 6 });
      await given(
        (tx) => applyCredentialState(tx, overtaken),
        (tx) => applyCredentialState(tx, relocked),
        (tx) => applyCredentialState(tx, stale),
      );
      const lockedAt = '2025-01-01T01:00:00Z';
      for (const user of [relocked, stale]) {
        await pool.query(
          'INSERT INTO identity_lockouts (user_id, failed_attempts, locked_at) VALUES ($1, 3, $2)',
          [user.userId, lockedAt],
        );
      }
      let changedRows = 0;
      await given(async (tx) => {
        changedRows = await applyCredentialStates(tx, [
          imported,
          // The newest of a user's snapshots wins whatever the order; an equal version changes nothing.
          { ...overtaken, credentialVersion: 4, status: 'PASSWORD_EXPIRED', passwordExpired: true },
          { ...overtaken, credentialVersion: 3, status: 'SUSPENDED' },
          { ...overtaken, credentialVersion: 4, status: 'ACTIVE' },
          // Unlocked by an admin, then locked again by directory: the unlock still ends identity's lock.
          { ...relocked, credentialVersion: 2, status: 'ACTIVE', changedAt: '2025-01-01T02:00:00Z' },
          { ...relocked, credentialVersion: 3, status: 'LOCKED_OUT', changedAt: '2025-01-01T03:00:00Z' },
          // Older than what is stored: neither the row nor the lock changes.
          { ...stale, credentialVersion: 5, status: 'SUSPENDED', changedAt: '2025-01-01T02:00:00Z' },
        ]);
      });
      expect(changedRows).toBe(3);
      expect((await gateFactsByUserId(pool, imported.userId))?.credential).toMatchObject({
        status: 'ACTIVE',
        credentialVersion: 1,
      });
      expect((await gateFactsByUserId(pool, overtaken.userId))?.credential).toMatchObject({
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
        credentialVersion: 4,
      });
      const relockedFacts = await gateFactsByUserId(pool, relocked.userId);
      expect(relockedFacts?.credential).toMatchObject({ status: 'LOCKED_OUT', credentialVersion: 3 });
      expect(relockedFacts?.lockout).toBeNull();
      const staleFacts = await gateFactsByUserId(pool, stale.userId);
      expect(staleFacts?.credential).toMatchObject({ status: 'ACTIVE', credentialVersion: 6 });
      expect(staleFacts?.lockout?.lockedAt).toEqual(new Date(lockedAt));
    });

    it('refuses the whole run when one snapshot cannot be stored, so it can be dead-lettered alone', async () => {
      const user = snapshot();
      await expect(
        given((tx) =>
          applyCredentialStates(tx, [
            { ...user, credentialVersion: 3 },
            // Outranked by the newer snapshot, it would change nothing one by one, yet fail there too.
            { ...user, credentialVersion: 2, changedAt: 'not a timestamp' },
          ]),
        ),
      ).rejects.toThrow();
      expect(await gateFactsByUserId(pool, user.userId)).toBeNull();
    });
  });

  describe('given a bulk expiry cutoff', () => {
    it('gives every user of the covered provider the newest cutoff, and none to other providers', async () => {
      const provider = { type: 'LDAP' as const, name: `ldap-${randomUUID()}` };
      const ldap = snapshot({ provider });
      const ad = snapshot({ provider: { type: 'ACTIVE_DIRECTORY', name: 'ad' } });
      const jobId = randomUUID();
      const fact = {
        jobId,
        cutoff: '2030-01-01T00:00:00.000Z',
        providers: ['LDAP' as const],
        total: 1,
        startedAt: '2030-01-01T00:00:00.000Z',
      };
      await given(
        (tx) => applyCredentialState(tx, ldap),
        (tx) => applyCredentialState(tx, ad),
        (tx) => applyBulkExpiryCutoff(tx, fact),
        (tx) => applyBulkExpiryCutoff(tx, fact),
      );
      expect((await gateFactsByUserId(pool, ldap.userId))?.latestCutoff).toEqual(
        new Date('2030-01-01T00:00:00.000Z'),
      );
      expect((await gateFactsByUserId(pool, ad.userId))?.latestCutoff).toBeNull();
      const { rows } = await pool.query(
        'SELECT count(*)::int AS n FROM identity_bulk_cutoffs WHERE job_id = $1',
        [jobId],
      );
      expect(rows[0].n).toBe(1);
    });
  });

  describe('given a bulk expiry cutoff scoped to groups', () => {
    it('gives the cutoff to the members it knows of, and takes it back when they leave or the group goes', async () => {
      const member = snapshot();
      const other = snapshot();
      const groupId = randomUUID();
      const jobId = randomUUID();
      const membership = (user: typeof member) => ({
        userId: user.userId,
        login: user.login,
        groupId,
        addedAt: '2030-01-01T00:00:00.000Z',
        removedAt: '2030-01-02T00:00:00.000Z',
      });
      await given(
        (tx) => applyCredentialState(tx, member),
        (tx) => applyCredentialState(tx, other),
        (tx) => applyGroupMembershipsAdded(tx, [membership(member), membership(member)]),
        (tx) => applyGroupMembership(tx, membership(member), true),
        (tx) =>
          applyBulkExpiryCutoff(tx, {
            jobId,
            cutoff: '2031-01-01T00:00:00.000Z',
            providers: ['OKTA'],
            groupIds: [groupId],
            total: 1,
            startedAt: '2031-01-01T00:00:00.000Z',
          }),
      );
      const cutoff = new Date('2031-01-01T00:00:00.000Z');
      expect((await gateFactsByUserId(pool, member.userId))?.latestCutoff).toEqual(cutoff);
      expect((await gateFactsByUserId(pool, other.userId))?.latestCutoff).not.toEqual(cutoff);

      await given((tx) => applyGroupMembership(tx, membership(member), false));
      expect((await gateFactsByUserId(pool, member.userId))?.latestCutoff).not.toEqual(cutoff);
      await given((tx) => applyGroupMembership(tx, membership(other), true));
      expect((await gateFactsByUserId(pool, other.userId))?.latestCutoff).toEqual(cutoff);
      await given((tx) => tx.query('DELETE FROM identity_group_members WHERE group_id = $1', [groupId]));
      expect((await gateFactsByUserId(pool, other.userId))?.latestCutoff).not.toEqual(cutoff);
    });
  });

  describe('given a bulk expiry cutoff scoped to a set of users', () => {
    it('gives the cutoff to the users of each chunk as it arrives, and to no one else', async () => {
      const [first, second, other] = [snapshot(), snapshot(), snapshot()];
      const jobId = randomUUID();
      const cutoff = new Date('2032-01-01T00:00:00.000Z');
      const chunk = (index: number, userIds: string[]) => ({ jobId, chunk: index, chunks: 2, userIds });
      await given(
        (tx) => applyCredentialStates(tx, [first, second, other]),
        (tx) =>
          applyBulkExpiryCutoff(tx, {
            jobId,
            cutoff: cutoff.toISOString(),
            providers: ['OKTA'],
            scopedUsers: 2,
            total: 2,
            startedAt: cutoff.toISOString(),
          }),
      );
      // The start alone expires no one: the set is not in yet.
      for (const user of [first, second, other])
        expect((await gateFactsByUserId(pool, user.userId))?.latestCutoff).not.toEqual(cutoff);

      await given((tx) => applyBulkExpiryUsers(tx, chunk(1, [first.userId])));
      expect((await gateFactsByUserId(pool, first.userId))?.latestCutoff).toEqual(cutoff);
      expect((await gateFactsByUserId(pool, second.userId))?.latestCutoff).not.toEqual(cutoff);

      await given(
        (tx) => applyBulkExpiryUsers(tx, chunk(2, [second.userId])),
        (tx) => applyBulkExpiryUsers(tx, chunk(2, [second.userId])),
      );
      expect((await gateFactsByUserId(pool, second.userId))?.latestCutoff).toEqual(cutoff);
      expect((await gateFactsByUserId(pool, other.userId))?.latestCutoff).not.toEqual(cutoff);
    });
  });

  describe('given a PasswordExpired fact', () => {
    it('keeps the newest expiry instant, never moving it back', async () => {
      const user = snapshot();
      const expired = (expiredAt: string) => ({
        userId: user.userId,
        login: user.login,
        provider: user.provider,
        cause: 'ADMIN' as const,
        expiredAt,
      });
      await given(
        (tx) => applyCredentialState(tx, user),
        (tx) => applyPasswordExpired(tx, expired('2025-03-01T00:00:00.000Z')),
        (tx) => applyPasswordExpired(tx, expired('2025-02-01T00:00:00.000Z')),
      );
      expect((await gateFactsByUserId(pool, user.userId))?.credential.expiredAt).toEqual(
        new Date('2025-03-01T00:00:00.000Z'),
      );
    });
  });

  describe('given a bulk PasswordExpired carrying the credential change', () => {
    const bulkExpired = (user: CredentialStateChangedV1, credentialVersion: number) => ({
      userId: user.userId,
      login: user.login,
      provider: user.provider,
      cause: 'BULK' as const,
      jobId: randomUUID(),
      expiredAt: '2025-03-01T00:00:00.000Z',
      status: 'PASSWORD_EXPIRED' as const,
      credentialVersion,
    });

    it('applies it over an older snapshot like the snapshot it stands for, keeping the hash', async () => {
      const user = snapshot({ credentialVersion: 2 });
      await given(
        (tx) => applyCredentialState(tx, user),
        (tx) => applyPasswordExpired(tx, bulkExpired(user, 3)),
      );
      expect((await gateFactsByUserId(pool, user.userId))?.credential).toMatchObject({
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
        credentialVersion: 3,
        passwordHash: user.passwordHash,
        changedAt: new Date('2025-03-01T00:00:00.000Z'),
        expiredAt: new Date('2025-03-01T00:00:00.000Z'),
      });
    });

    it('changes nothing but the expiry instant under a newer snapshot that arrived first', async () => {
      const user = snapshot({ credentialVersion: 2 });
      const changed = { ...user, credentialVersion: 4, passwordChangedAt: '2025-04-01T00:00:00.000Z' };
      await given(
        (tx) => applyCredentialState(tx, user),
        (tx) => applyCredentialState(tx, changed),
        (tx) => applyPasswordExpired(tx, bulkExpired(user, 3)),
      );
      expect((await gateFactsByUserId(pool, user.userId))?.credential).toMatchObject({
        status: 'ACTIVE',
        passwordExpired: false,
        credentialVersion: 4,
        expiredAt: new Date('2025-03-01T00:00:00.000Z'),
      });
    });

    it('applies many facts in one statement as it would one by one, in order', async () => {
      const overtaken = snapshot({ credentialVersion: 2 });
      const newest = snapshot({ credentialVersion: 2 });
      const untouched = snapshot({ credentialVersion: 5 });
      const later = (user: CredentialStateChangedV1, version: number, expiredAt: string) => ({
        ...bulkExpired(user, version),
        expiredAt,
      });
      const informational = (user: CredentialStateChangedV1, expiredAt: string) => ({
        userId: user.userId,
        login: user.login,
        provider: user.provider,
        cause: 'ADMIN' as const,
        expiredAt,
      });
      await given(
        (tx) => applyCredentialState(tx, overtaken),
        (tx) => applyCredentialState(tx, newest),
        (tx) => applyCredentialState(tx, untouched),
        (tx) =>
          applyPasswordsExpired(tx, [
            // The higher version arrives first; the lower one after it changes nothing.
            later(overtaken, 4, '2025-04-01T00:00:00.000Z'),
            later(overtaken, 3, '2025-03-01T00:00:00.000Z'),
            later(newest, 3, '2025-03-01T00:00:00.000Z'),
            informational(newest, '2025-05-01T00:00:00.000Z'),
            later(untouched, 4, '2025-03-01T00:00:00.000Z'),
            informational(snapshot(), '2025-03-01T00:00:00.000Z'),
          ]),
      );
      expect((await gateFactsByUserId(pool, overtaken.userId))?.credential).toMatchObject({
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
        credentialVersion: 4,
        changedAt: new Date('2025-04-01T00:00:00.000Z'),
        expiredAt: new Date('2025-04-01T00:00:00.000Z'),
      });
      expect((await gateFactsByUserId(pool, newest.userId))?.credential).toMatchObject({
        status: 'PASSWORD_EXPIRED',
        credentialVersion: 3,
        changedAt: new Date('2025-03-01T00:00:00.000Z'),
        expiredAt: new Date('2025-05-01T00:00:00.000Z'),
      });
      expect((await gateFactsByUserId(pool, untouched.userId))?.credential).toMatchObject({
        status: 'ACTIVE',
        passwordExpired: false,
        credentialVersion: 5,
        expiredAt: new Date('2025-03-01T00:00:00.000Z'),
      });
    });

    it('refuses the whole run when one fact has no valid expiry instant, so it can be dead-lettered alone', async () => {
      const user = snapshot({ credentialVersion: 2 });
      await given((tx) => applyCredentialState(tx, user));
      await expect(
        given((tx) =>
          applyPasswordsExpired(tx, [
            bulkExpired(user, 4),
            // Folded away by the newer fact, it would never reach PostgreSQL's own check.
            { ...bulkExpired(user, 3), expiredAt: 'not a timestamp' },
          ]),
        ),
      ).rejects.toThrow('expiredAt is not a timestamp');
      expect((await gateFactsByUserId(pool, user.userId))?.credential).toMatchObject({
        status: 'ACTIVE',
        credentialVersion: 2,
      });
    });

    it('changes nothing when redelivered after a newer snapshot, so the inbox needs no dedupe row for it', async () => {
      const user = snapshot({ credentialVersion: 2 });
      const expired = bulkExpired(user, 3);
      const changed = {
        ...user,
        credentialVersion: 4,
        passwordChangedAt: '2025-04-01T00:00:00.000Z',
        changedAt: '2025-04-01T00:00:00.000Z',
      };
      await given(
        (tx) => applyCredentialState(tx, user),
        (tx) => applyPasswordExpired(tx, expired),
        (tx) => applyCredentialState(tx, changed),
      );
      const before = await gateFactsByUserId(pool, user.userId);
      await given((tx) => applyPasswordsExpired(tx, [expired, expired]));
      expect(await gateFactsByUserId(pool, user.userId)).toEqual(before);
      expect(before?.credential).toMatchObject({
        status: 'ACTIVE',
        passwordExpired: false,
        credentialVersion: 4,
        expiredAt: new Date('2025-03-01T00:00:00.000Z'),
      });
    });

    it('rewrites the rows of a bulk expiry in place, without new index entries (HOT updates)', async () => {
      const users = Array.from({ length: 200 }, () => snapshot({ credentialVersion: 2 }));
      // The backend's counters (pending ones of earlier transactions included), read around the statement.
      const counters = async (tx: Pool) =>
        (
          await tx.query<{ updated: number; hot: number }>(
            `SELECT n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot
               FROM pg_stat_xact_user_tables WHERE relname = 'identity_credentials'`,
          )
        ).rows[0];
      let before = { updated: 0, hot: 0 };
      let after = { updated: 0, hot: 0 };
      await given(
        (tx) => applyCredentialStates(tx, users),
        async (tx) => {
          before = await counters(tx);
        },
        (tx) =>
          applyPasswordsExpired(
            tx,
            users.map((user) => bulkExpired(user, 3)),
          ),
        async (tx) => {
          after = await counters(tx);
        },
      );
      expect({ updated: after.updated - before.updated, hot: after.hot - before.hot }).toEqual({
        updated: 200,
        hot: 200,
      });
    });

    it('is a no-op when redelivered', async () => {
      const user = snapshot({ credentialVersion: 2 });
      await given(
        (tx) => applyCredentialState(tx, user),
        (tx) => applyPasswordExpired(tx, bulkExpired(user, 3)),
        (tx) => applyPasswordExpired(tx, bulkExpired(user, 3)),
        (tx) => applyCredentialState(tx, { ...user, credentialVersion: 3, status: 'ACTIVE' }),
      );
      expect((await gateFactsByUserId(pool, user.userId))?.credential).toMatchObject({
        status: 'PASSWORD_EXPIRED',
        credentialVersion: 3,
      });
    });
  });
});
