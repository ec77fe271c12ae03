import { join } from 'node:path';
import { EnvReader, readBaseConfig } from '@lapse/shared';
import { generateKeyFile, generatePrivateJwk } from './key-ring';

/**
 * Key rotation. `node dist/apps/notifier/src/keys/rotate-key.cli.js` adds a new key pair to
 * `${DATA_DIR}/notifier-keys/`; it becomes current (first in the JWKS) when the notifier restarts and older
 * keys still open envelopes sealed before. With `--print-jwk` it instead prints a new private JWK for
 * operators who manage keys in `NOTIFIER_PRIVATE_KEYS` (put it first in the array).
 */
async function main(): Promise<void> {
  if (process.argv.includes('--print-jwk')) {
    process.stdout.write(`${JSON.stringify(await generatePrivateJwk())}\n`);
    return;
  }
  const base = readBaseConfig(new EnvReader());
  const dir = join(base.dataDir, 'notifier-keys');
  const kid = await generateKeyFile(dir, new Date());
  process.stdout.write(
    `New notifier key ${kid} stored in ${dir}; restart the notifier to make it current.\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`rotate-key: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
