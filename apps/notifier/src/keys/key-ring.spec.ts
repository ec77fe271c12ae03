import { sealForNotifier } from '../testing/seal';
import { EnvelopeUnreadableError, generatePrivateJwk, KeyRing } from './key-ring';
import { openSealedPassword } from './sealed-password';

const contents = {
  tempPassword: 'Tmp-Pa55word',
  userId: 'u-1',
  deliveryId: 'd-1',
  expiresAt: '2030-01-01T00:00:00.000Z',
};

describe('the notifier key ring', () => {
  it('publishes public keys only, with kid, use and alg, newest first', async () => {
    const newer = await generatePrivateJwk();
    const older = await generatePrivateJwk();
    const ring = await KeyRing.fromJwks([newer, older]);
    const { keys } = ring.jwks();
    expect(keys.map((key) => key.kid)).toEqual([newer.kid, older.kid]);
    expect(keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: newer.x,
      y: newer.y,
      kid: newer.kid,
      use: 'enc',
      alg: 'ECDH-ES+A256KW',
    });
    expect(JSON.stringify(keys)).not.toContain(newer.d as string);
  });

  it('still opens envelopes sealed with an older key after a rotation', async () => {
    const older = await generatePrivateJwk();
    const sealedBefore = await sealForNotifier((await KeyRing.fromJwks([older])).jwks().keys[0], contents);
    const rotated = await KeyRing.fromJwks([await generatePrivateJwk(), older]);
    await expect(openSealedPassword(rotated, sealedBefore, contents)).resolves.toMatchObject({
      tempPassword: 'Tmp-Pa55word',
    });
  });

  it('refuses an envelope sealed for a key it does not hold', async () => {
    const stranger = await KeyRing.fromJwks([await generatePrivateJwk()]);
    const sealed = await sealForNotifier(stranger.jwks().keys[0], contents);
    const ring = await KeyRing.fromJwks([await generatePrivateJwk()]);
    await expect(openSealedPassword(ring, sealed, contents)).rejects.toEqual(
      new EnvelopeUnreadableError('UNKNOWN_KEY_ID'),
    );
  });

  it('refuses a tampered envelope without saying what was inside', async () => {
    const ring = await KeyRing.fromJwks([await generatePrivateJwk()]);
    const sealed = await sealForNotifier(ring.jwks().keys[0], contents);
    const parts = sealed.split('.');
    parts[3] = `${parts[3].slice(0, -2)}${parts[3].endsWith('AA') ? 'BB' : 'AA'}`;
    const error = await openSealedPassword(ring, parts.join('.'), contents).catch((e: unknown) => e);
    expect(error).toEqual(new EnvelopeUnreadableError('DECRYPTION_FAILED'));
    expect(String((error as Error).message)).not.toContain('Tmp-Pa55word');
  });

  it('refuses an envelope moved to another delivery or user', async () => {
    const ring = await KeyRing.fromJwks([await generatePrivateJwk()]);
    const sealed = await sealForNotifier(ring.jwks().keys[0], contents);
    await expect(openSealedPassword(ring, sealed, { ...contents, deliveryId: 'd-2' })).rejects.toMatchObject({
      reason: 'DELIVERY_MISMATCH',
    });
    await expect(openSealedPassword(ring, sealed, { ...contents, userId: 'u-2' })).rejects.toMatchObject({
      reason: 'USER_MISMATCH',
    });
  });

  it('refuses something that is not a JWE', async () => {
    const ring = await KeyRing.fromJwks([await generatePrivateJwk()]);
    await expect(ring.open('not-a-jwe')).rejects.toMatchObject({ reason: 'MALFORMED_ENVELOPE' });
  });
});
