import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError } from './io';

/** Where `lapse login` keeps the URL and token. */
export interface Credentials {
  readonly url: string;
  readonly token: string;
}

/** `$LAPSE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/lapse`, else `~/.config/lapse`. */
export function configDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.LAPSE_CONFIG_DIR) return env.LAPSE_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'lapse');
}

export const credentialsFile = (env: Readonly<Record<string, string | undefined>>) =>
  join(configDir(env), 'credentials.json');

/** Stores the credentials readable by their owner only (directory 0700, file 0600), also over an older file. */
export async function saveCredentials(
  env: Readonly<Record<string, string | undefined>>,
  credentials: Credentials,
): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = credentialsFile(env);
  await writeFile(file, `${JSON.stringify({ url: credentials.url, token: credentials.token }, null, 2)}\n`, {
    mode: 0o600,
  });
  await chmod(file, 0o600);
  return file;
}

/** Removes the stored credentials; false when there were none. */
export async function removeCredentials(env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  const file = credentialsFile(env);
  try {
    await readFile(file);
  } catch {
    return false;
  }
  await rm(file, { force: true });
  return true;
}

/**
 * The URL and token to call: `LAPSE_URL` / `LAPSE_TOKEN` override what `lapse login` stored; missing either
 * is a usage error that says how to sign in.
 */
export async function loadCredentials(
  env: Readonly<Record<string, string | undefined>>,
): Promise<Credentials> {
  let stored: Partial<Credentials> = {};
  try {
    stored = JSON.parse(await readFile(credentialsFile(env), 'utf8')) as Partial<Credentials>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw usageError(`cannot read ${credentialsFile(env)}: ${(error as Error).message}`);
    }
  }
  const url = env.LAPSE_URL || stored.url;
  const token = env.LAPSE_TOKEN || stored.token;
  if (!url || !token) {
    throw usageError('not signed in: run `lapse login --url URL` (or set LAPSE_URL and LAPSE_TOKEN)');
  }
  return { url: url.replace(/\/+$/, ''), token };
}
