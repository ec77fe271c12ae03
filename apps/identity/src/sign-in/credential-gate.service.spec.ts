import type { Clock, Logger } from '@lapse/shared';
import type { Pool } from 'pg';
import type { IdentityAuditTrail } from '../audit-trail/identity-audit-trail';
import type { GateFacts } from '../credential-projection/credential.store';
import type { ProjectionLagMonitor } from '../credential-projection/projection-lag.monitor';
import type { CredentialConfirmations } from '../directory-client/credential-confirmations';
import type { DirectoryClient } from '../directory-client/directory.client';
import type { IdentityConfig } from '../identity.config';
import type { IdentityMetrics } from '../metrics/identity.metrics';
import { CredentialGate, type Provisional } from './credential-gate.service';
import { DEFAULT_PASSWORD_POLICY } from './domain/password-policy';
import type { PasswordHashHints } from './password-hash-hints';
import type { PasswordPolicyCache } from './password-policy.cache';
import type { PasswordVerifier } from './password-verifier';

const now = new Date('2026-12-01T10:00:00.000Z');
const known: GateFacts = {
  credential: {
    userId: '00000000-0000-4000-8000-000000000001',
    login: 'ada@example.com',
    providerType: 'OKTA',
    status: 'ACTIVE',
    credentialVersion: 2,
    passwordHash: '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
    passwordChangedAt: now,
    passwordExpired: false,
    oneTimeExpiresAt: null,
    expiredAt: null,
    changedAt: now,
  },
  latestCutoff: null,
  lockout: null,
};

/**
 * The gate with everything around it recorded as calls: the database (`pool.query`, only the failure count
 * reaches it here), the provisional row's lookup and withdrawal, and the hash verification (always wrong).
 * Every database write is held until the spec lets it go.
 */
function gateWith(facts: GateFacts | null) {
  const calls: string[] = [];
  const heldWrites: (() => void)[] = [];
  const hold = (name: string) => () => {
    calls.push(name);
    return new Promise<never>((_resolve, reject) => heldWrites.push(() => reject(new Error('released'))));
  };
  const pool = { query: jest.fn(hold('pool.query')) } as unknown as Pool;
  const gate = new CredentialGate(
    pool,
    { projectionMaxLagMs: 2000, failClosed: true } as IdentityConfig,
    { now: () => now } as Clock,
    { warn: () => undefined, info: () => undefined } as unknown as Logger,
    {
      verify: async (hash: string | null) => {
        calls.push(hash === null ? 'verify dummy' : 'verify hash');
        return false;
      },
    } as unknown as PasswordVerifier,
    {
      current: async () => DEFAULT_PASSWORD_POLICY,
      forCredential: async () => DEFAULT_PASSWORD_POLICY,
    } as unknown as PasswordPolicyCache,
    { get: () => undefined, remember: () => undefined } as unknown as PasswordHashHints,
    {} as DirectoryClient,
    {} as CredentialConfirmations,
    { current: () => ({ events: 0, seconds: 0 }) } as unknown as ProjectionLagMonitor,
    { count: () => undefined } as unknown as IdentityMetrics,
    { signInAttempted: () => calls.push('audit') } as unknown as IdentityAuditTrail,
  );
  const provisional: Provisional = {
    lookup: async () => {
      calls.push('lookup');
      return facts;
    },
    withdraw: hold('withdraw'),
  };
  const signIn = () =>
    gate.signIn('ada@example.com', 'Wrong-Password-1', false, provisional, { via: 'AUTHN', clientIp: null });
  return {
    calls,
    signIn,
    release: () => {
      for (const release of heldWrites) release();
    },
  };
}

const afterAnswering = () => new Promise((resolve) => setImmediate(resolve));

describe('the credential gate, answering a wrong password', () => {
  it('answers before it counts the failure or withdraws the provisional row, and does both afterwards', async () => {
    const { calls, signIn, release } = gateWith(known);
    const verdict = await signIn();
    expect(verdict.answer.kind).toBe('AUTHENTICATION_FAILED');
    expect(calls).toEqual(['lookup', 'verify hash', 'audit']);

    await afterAnswering();
    expect(calls).toEqual(['lookup', 'verify hash', 'audit', 'pool.query', 'withdraw']);
    release();
  });

  it('waits for the same calls as an unknown login: the lookup and one verification', async () => {
    const wrong = gateWith(known);
    const unknown = gateWith(null);
    await wrong.signIn();
    await unknown.signIn();
    expect(wrong.calls).toEqual(['lookup', 'verify hash', 'audit']);
    expect(unknown.calls).toEqual(['lookup', 'verify dummy', 'audit']);

    await afterAnswering();
    expect(unknown.calls).toEqual(['lookup', 'verify dummy', 'audit']);
    wrong.release();
  });
});
