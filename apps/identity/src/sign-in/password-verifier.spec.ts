import { hashArgon2id } from '@lapse/shared';
import type { IdentityConfig } from '../identity.config';
import { PasswordVerifier } from './password-verifier';

const configured = { memoryKib: 1024, iterations: 1, parallelism: 1 };

describe('the password verifier', () => {
  it('verifies unknown users against a dummy hash with the configured parameters, whatever real hashes it met', async () => {
    const verifier = new PasswordVerifier({ dummyHash: configured } as unknown as IdentityConfig);
    await verifier.onModuleInit();
    const odd = await hashArgon2id('Imported-Pass-1', { memoryKib: 2048, iterations: 3, parallelism: 2 });

    expect(await verifier.verify(odd, 'Imported-Pass-1')).toBe(true);
    expect(await verifier.verify(null, 'Imported-Pass-1')).toBe(false);

    expect(await verifier.dummyHash()).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
  });
});
