import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { usageError } from './io';

/** The most users one bulk expiry takes (`userIds` of `POST /api/v1/users/lifecycle/expire_passwords`). */
export const MAX_LISTED_USERS = 100_000;
/**
 * Logins are resolved one `GET /api/v1/users/{login}` each: cheap for a short list, not for a breach list of
 * thousands (minutes under the rate limit), so beyond this many logins the CLI asks for ids instead.
 */
export const MAX_LISTED_LOGINS = 1_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The users a `--users` file names: ids as given (lower case, repeats once) and logins to resolve. */
export interface UserList {
  readonly ids: ReadonlySet<string>;
  readonly logins: ReadonlySet<string>;
}

/**
 * Reads `--users FILE` as a stream: a `.csv` file with a header row naming an `id` column (or a `login`
 * column; a row's id wins over its login), else one id or login per line (blank lines and `#` comments
 * skipped). A value that is a UUID is an id, anything else a login. Refuses, before any request, a list of
 * more than MAX_LISTED_USERS users or MAX_LISTED_LOGINS logins, and an empty one.
 */
export async function readUserList(file: string): Promise<UserList> {
  const input = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (error) => reject(usageError(`--users: cannot read ${file}: ${error.message}`)));
  });
  const ids = new Set<string>();
  const logins = new Set<string>();
  const add = (value: string) => {
    const text = value.trim();
    if (!text) return;
    if (UUID.test(text)) ids.add(text.toLowerCase());
    else logins.add(text);
    if (ids.size + logins.size > MAX_LISTED_USERS) {
      throw usageError(
        `--users: ${file} lists more than ${MAX_LISTED_USERS.toLocaleString('en')} users, the most one ` +
          'expiry takes for now: split the list into several runs',
      );
    }
  };
  try {
    if (extname(file).toLowerCase() === '.csv') {
      const rows = input.pipe(
        parse({
          columns: (header: string[]) => {
            const names = header.map((name) => name.trim());
            if (!names.includes('id') && !names.includes('login'))
              throw usageError(`--users: ${file}: the header row has no id column`);
            return names;
          },
          skip_empty_lines: true,
          bom: true,
        }),
      );
      for await (const row of rows as AsyncIterable<Record<string, string>>) add(row.id || row.login || '');
    } else {
      for await (const line of createInterface({ input, crlfDelay: Infinity })) {
        if (!line.trimStart().startsWith('#')) add(line);
      }
    }
  } catch (error) {
    if (error instanceof Error && 'exitCode' in error) throw error;
    throw usageError(`--users: ${file}: ${(error as Error).message}`);
  } finally {
    input.destroy();
  }
  if (ids.size + logins.size === 0) throw usageError(`--users: ${file} lists no user`);
  if (logins.size > MAX_LISTED_LOGINS) {
    throw usageError(
      `--users: ${file} lists ${logins.size} logins; the CLI looks up at most ${MAX_LISTED_LOGINS} ` +
        '(one request each): give user ids instead',
    );
  }
  return { ids, logins };
}
