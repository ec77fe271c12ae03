import { readFile, writeFile } from 'node:fs/promises';
import { newSecretToken } from '../crypto/secret-token';

/**
 * The secret kept in `file` (mode 0600), or a new random one written there (43 base64url characters). A
 * file that exists but is empty counts as absent.
 */
export async function readOrCreateSecretFile(file: string): Promise<{ secret: string; created: boolean }> {
  const stored = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    },
  );
  if (stored) return { secret: stored, created: false };
  const secret = newSecretToken();
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return { secret, created: true };
}
