import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealForNotifier } from '../testing/seal';
import { generateKeyFile, KeyRing } from './key-ring';
import { openSealedPassword } from './sealed-password';

const contents = {
  tempPassword: 'Rot4te-Me!',
  userId: 'u-1',
  deliveryId: 'd-1',
  expiresAt: '2030-01-01T00:00:00.000Z',
};

describe('notifier keys on disk', () => {
  it('generates a key pair at first start, private JWK readable by the owner only, and keeps it across restarts', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'notifier-keys-')), 'notifier-keys');
    const first = await KeyRing.load({ dir, configured: null, now: new Date('2030-01-01T00:00:00Z') });
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect((await stat(join(dir, files[0]))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(join(dir, files[0]), 'utf8'))).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      kid: first.currentKid(),
    });

    const restarted = await KeyRing.load({ dir, configured: null, now: new Date('2030-02-01T00:00:00Z') });
    expect(restarted.jwks()).toEqual(first.jwks());
  });

  it('makes a rotated key current while the older key still opens envelopes sealed before', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'notifier-keys-')), 'notifier-keys');
    const before = await KeyRing.load({ dir, configured: null, now: new Date('2030-01-01T00:00:00Z') });
    const sealedBefore = await sealForNotifier(before.jwks().keys[0], contents);

    const newKid = await generateKeyFile(dir, new Date('2030-06-01T00:00:00Z'));
    const after = await KeyRing.load({ dir, configured: null, now: new Date('2030-06-02T00:00:00Z') });
    expect(after.jwks().keys.map((key) => key.kid)).toEqual([newKid, before.currentKid()]);
    await expect(openSealedPassword(after, sealedBefore, contents)).resolves.toMatchObject({
      tempPassword: 'Rot4te-Me!',
    });
  });

  it('uses configured keys instead of the directory when NOTIFIER_PRIVATE_KEYS is set', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'notifier-keys-')), 'notifier-keys');
    const { generatePrivateJwk } = await import('./key-ring');
    const configured = [await generatePrivateJwk()];
    const ring = await KeyRing.load({ dir, configured, now: new Date() });
    expect(ring.currentKid()).toBe(configured[0].kid);
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
