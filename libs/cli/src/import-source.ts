import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse';
import { parser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { usageError } from './io';

/** One user as Okta's import-with-hash takes it (`POST /api/v1/users/import`'s `users[]`). */
export type ImportedUser = Record<string, unknown> & { profile?: { login?: unknown } };

/** A user read from the file, or why the row cannot be a user; `at` names the row for the summary. */
export type ImportRecord =
  | { readonly at: string; readonly user: ImportedUser; readonly problem?: undefined }
  | { readonly at: string; readonly user?: undefined; readonly problem: string };

/** The CSV columns (a header row names them, in any order; only `login` is required). */
export const CSV_COLUMNS = [
  'login',
  'email',
  'firstName',
  'lastName',
  'mobilePhone',
  'passwordHash',
  'passwordLastChanged',
  'provider',
  'providerName',
  'groupIds',
] as const;

/** A CSV row as Okta's import shape: `passwordHash` is an argon2id PHC string; `groupIds` split on `;`. */
export function userFromCsvRow(row: Record<string, string>): ImportedUser {
  const text = (name: string) => (row[name] ?? '').trim() || undefined;
  const profile = Object.fromEntries(
    (['login', 'email', 'firstName', 'lastName', 'mobilePhone'] as const)
      .map((name) => [name, text(name)])
      .filter(([, value]) => value !== undefined),
  );
  const hash = text('passwordHash');
  const provider = text('provider');
  const credentials = {
    ...(hash
      ? {
          password: {
            hash: { algorithm: 'ARGON2', value: hash },
            ...(text('passwordLastChanged') ? { lastChanged: text('passwordLastChanged') } : {}),
          },
        }
      : {}),
    ...(provider
      ? { provider: { type: provider, ...(text('providerName') ? { name: text('providerName') } : {}) } }
      : {}),
  };
  const groupIds = text('groupIds')
    ?.split(';')
    .map((id) => id.trim())
    .filter(Boolean);
  return {
    profile,
    ...(Object.keys(credentials).length ? { credentials } : {}),
    ...(groupIds?.length ? { groupIds } : {}),
  };
}

/**
 * The users of a JSON array (`[{profile, credentials, groupIds}, …]`, Okta's shape) or a CSV file with a
 * header row (`.csv`, columns CSV_COLUMNS), read as a stream: any file size in constant memory.
 */
export async function* readImportFile(file: string): AsyncGenerator<ImportRecord> {
  const input = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (error) => reject(usageError(`cannot read ${file}: ${error.message}`)));
  });
  if (extname(file).toLowerCase() === '.csv') {
    yield* csvRecords(input, file);
  } else {
    yield* jsonRecords(input, file);
  }
}

async function* csvRecords(input: NodeJS.ReadableStream, file: string): AsyncGenerator<ImportRecord> {
  const rows = input.pipe(
    parse({
      columns: (header: string[]) => {
        const names = header.map((name) => name.trim());
        const unknown = names.filter((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
        if (unknown.length) {
          throw usageError(
            `${file}: unknown column ${unknown.join(', ')} (columns: ${CSV_COLUMNS.join(', ')})`,
          );
        }
        if (!names.includes('login')) throw usageError(`${file}: the header row has no login column`);
        return names;
      },
      skip_empty_lines: true,
      bom: true,
      info: true,
    }),
  );
  try {
    for await (const { record, info } of rows as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      const at = `line ${info.lines}`;
      const user = userFromCsvRow(record);
      yield user.profile?.login ? { at, user } : { at, problem: 'login: is empty' };
    }
  } catch (error) {
    if (error instanceof Error && 'exitCode' in error) throw error;
    throw usageError(`${file}: ${(error as Error).message}`);
  }
}

async function* jsonRecords(input: NodeJS.ReadableStream, file: string): AsyncGenerator<ImportRecord> {
  const items = input.pipe(parser()).pipe(streamArray());
  try {
    for await (const { key, value } of items as AsyncIterable<{ key: number; value: unknown }>) {
      const at = `item ${key}`;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        yield { at, problem: 'must be an object {profile, credentials}' };
      } else {
        yield { at, user: value as ImportedUser };
      }
    }
  } catch (error) {
    throw usageError(`${file}: not a JSON array of users (${(error as Error).message})`);
  }
}
