import 'reflect-metadata';
import { createPool, EnvReader, readBaseConfig } from '@lapse/shared';
import { issueSetupCode, setupLine } from './console-setup.service';

/**
 * `npm run directory:setup-code` — a new one-time setup code for the admin console's first super
 * administrator, against directory's database (DATABASE_URL; with `npm start`'s embedded PostgreSQL, restart
 * `npm start` instead: it prints one). Earlier codes keep working beside it (until one is used, they time out,
 * or ten wrong codes are typed). Refused once a super administrator exists.
 */
export async function printSetupCode(env = new EnvReader()): Promise<string> {
  const base = readBaseConfig(env);
  if (!base.databaseUrl) throw new Error("DATABASE_URL is required: directory's database");
  const pool = createPool(base.databaseUrl, 1);
  try {
    const code = await issueSetupCode(pool, new Date());
    if (!code)
      throw new Error('a super administrator exists already: sign in to the console, or use the roles API');
    return setupLine(base.publicUrl, code);
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  printSetupCode()
    .then((line) => process.stdout.write(`${line}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`setup code failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
