import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ApiClient, ApiError } from './api-client';
import { loadCredentials, removeCredentials, saveCredentials } from './credentials';
import { PUBLIC_TOPICS, tailEvents } from './events-tail';
import { importUsers } from './import-users';
import { readImportFile } from './import-source';
import { CliError, type CliIo, EXIT, Output, usageError } from './io';
import { type Job, jobLine, printWaves, watchJob } from './job-progress';
import { ask, readAll } from './prompt';
import { MAX_LISTED_LOGINS, MAX_LISTED_USERS, readUserList } from './user-list';

interface User {
  readonly id: string;
  readonly status: string;
  readonly passwordChanged?: string | null;
  readonly profile: { login: string; email?: string | null };
  readonly credentials?: { provider?: { type?: string } };
}

interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly created: string;
  readonly createdBy: string;
  readonly token?: string;
}

interface DryRun {
  readonly total: number;
  readonly providers: readonly string[];
  readonly groupIds?: readonly string[];
  readonly cutoff: string;
  readonly perProvider: readonly { provider: string; total: number }[];
  readonly perGroup?: readonly { groupId: string; total: number }[];
  readonly scopedUsers?: number;
  readonly unknownUserIds?: { total: number; first: readonly string[] };
  readonly waves?: readonly { number: number; size: number; startsAt: string }[];
}

/** The longest interval between two waves the API takes (a week). */
const MAX_WAVE_INTERVAL_MINUTES = 10_080;

const PROVIDERS = ['OKTA', 'IMPORT', 'ACTIVE_DIRECTORY', 'LDAP', 'FEDERATION', 'SOCIAL'];
const ROLES = ['SUPER_ADMIN', 'USER_ADMIN', 'READ_ONLY_ADMIN'];

function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new InvalidArgumentError('must be a whole number from 1');
  return Number(value);
}

const path = (text: string) => encodeURIComponent(text);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Group ids as given, and group names looked up (`GET /api/v1/groups?q=`, the exact name, any case). */
async function groupIds(api: ApiClient, groups: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const group of groups) {
    if (UUID.test(group)) {
      ids.push(group);
      continue;
    }
    const named: { id: string }[] = [];
    for await (const found of api.list<{ id: string; profile: { name: string } }>('/api/v1/groups', {
      q: group,
      limit: '200',
    })) {
      if (found.profile.name.toLowerCase() === group.toLowerCase()) named.push(found);
    }
    if (named.length !== 1) {
      throw usageError(
        named.length === 0
          ? `--group: no group is named "${group}"`
          : `--group: ${named.length} groups are named "${group}": give the id`,
      );
    }
    ids.push(named[0].id);
  }
  return ids;
}

/**
 * The ids of logins read from a `--users` file, one `GET /api/v1/users/{login}` each (user-list.ts caps
 * how many); the logins no user has (404) are returned as unknown, any other refusal stops the run.
 */
async function resolveLogins(
  api: ApiClient,
  logins: ReadonlySet<string>,
): Promise<{ ids: string[]; unknown: string[] }> {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const login of logins) {
    try {
      ids.push((await api.request<User>('GET', `/api/v1/users/${path(login)}`)).body.id.toLowerCase());
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) unknown.push(login);
      else throw error;
    }
  }
  return { ids, unknown };
}

/**
 * `lapse …`: the admin CLI over Lapse's public (Okta) API. Built per run with the streams it writes to, so
 * specs run it in-process; `cli.ts` runs it on the process. Returns the exit code (io.ts: EXIT).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const program = new Command('lapse');
  program
    .description("Lapse's admin CLI: users, password expiry, jobs, API tokens and events over the Okta API.")
    .option('--json', 'print JSON for scripts (errors as JSON on stderr)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 API error or failed rows, 2 usage, 3 cannot connect, 130 interrupted.\n' +
        'Environment: LAPSE_URL and LAPSE_TOKEN override `lapse login`; LAPSE_CONFIG_DIR (default\n' +
        '~/.config/lapse); KAFKA_BROKERS for `events tail`.',
    );

  const output = (command: Command) => new Output(io, Boolean(command.optsWithGlobals().json));
  const onWait = (text: string) => io.stderr.write(`lapse: ${text}\n`);
  const api = async () => new ApiClient(await loadCredentials(io.env), { onWait });

  program
    .command('login')
    .description(
      'store the URL and an admin API token (SSWS) in credentials.json, mode 0600; the token is asked for ' +
        'without echo on a terminal, or read from stdin with --token-stdin',
    )
    .requiredOption('--url <url>', "Lapse's URL (the gateway or the all-in-one app)")
    .option(
      '--token <token>',
      'the token (visible in shell history and ps: prefer the prompt or --token-stdin)',
    )
    .option('--token-stdin', 'read the token from stdin')
    .action(async (flags: { url: string; token?: string; tokenStdin?: boolean }, command: Command) => {
      let url: URL;
      try {
        url = new URL(flags.url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      } catch {
        throw usageError(`--url: not an http(s) URL: ${flags.url}`);
      }
      let token = flags.token;
      if (token === undefined && flags.tokenStdin) token = await readAll(io);
      if (token === undefined) {
        if (!io.stdin.isTTY)
          throw usageError('no token: pass --token-stdin and pipe it in, or run on a terminal');
        token = await ask(io, 'Admin API token: ', true);
      }
      token = token.trim();
      if (!token) throw usageError('the token is empty');
      const base = url.toString().replace(/\/+$/, '');
      // Checked before it is stored: a list of one user answers 401 to a token Lapse does not know.
      await new ApiClient({ url: base, token }).request('GET', '/api/v1/users', { query: { limit: '1' } });
      const file = await saveCredentials(io.env, { url: base, token });
      const out = output(command);
      if (out.json) out.data({ url: base, credentials: file });
      else out.line(`Signed in to ${base} (token stored in ${file}, mode 0600).`);
    });

  program
    .command('logout')
    .description('remove the stored credentials')
    .action(async (_flags, command: Command) => {
      const removed = await removeCredentials(io.env);
      const out = output(command);
      if (out.json) out.data({ removed });
      else out.line(removed ? 'Signed out: credentials removed.' : 'Not signed in: nothing to remove.');
    });

  const users = program.command('users').description('list, show, import and expire users');
  users
    .command('list')
    .description("list users (Okta's search and filter expressions), following the API's pages")
    .option('--search <expr>', 'e.g. \'profile.lastName sw "Sm"\' or \'status eq "PASSWORD_EXPIRED"\'')
    .option('--filter <expr>', 'e.g. \'status eq "ACTIVE"\'')
    .option('-q, --query <text>', 'login, email or name starting with this text')
    .option('--limit <n>', 'at most this many users (default: all)', positiveInteger)
    .action(
      async (
        flags: { search?: string; filter?: string; query?: string; limit?: number },
        command: Command,
      ) => {
        const client = await api();
        const out = output(command);
        const pageSize = String(Math.min(flags.limit ?? 200, 200));
        const users = client.list<User>(
          '/api/v1/users',
          { search: flags.search, filter: flags.filter, q: flags.query, limit: pageSize },
          flags.limit,
        );
        // JSON goes out page by page (a directory of any size in constant memory); the table needs every row
        // for its column widths.
        if (out.json) return out.stream(users);
        const found: User[] = [];
        for await (const user of users) found.push(user);
        out.table(
          ['ID', 'STATUS', 'LOGIN', 'EMAIL', 'PROVIDER', 'PASSWORD CHANGED'],
          found.map((user) => [
            user.id,
            user.status,
            user.profile.login,
            user.profile.email,
            user.credentials?.provider?.type,
            user.passwordChanged,
          ]),
        );
        out.note(`${found.length} user${found.length === 1 ? '' : 's'}`);
      },
    );
  users
    .command('get')
    .description('show one user by id or login')
    .argument('<idOrLogin>')
    .action(async (idOrLogin: string, _flags, command: Command) => {
      const user = (await (await api()).request<User>('GET', `/api/v1/users/${path(idOrLogin)}`)).body;
      const out = output(command);
      if (out.json) return out.data(user);
      out.line(`id                ${user.id}`);
      out.line(`login             ${user.profile.login}`);
      out.line(`email             ${user.profile.email ?? ''}`);
      out.line(`status            ${user.status}`);
      out.line(`provider          ${user.credentials?.provider?.type ?? ''}`);
      out.line(`password changed  ${user.passwordChanged ?? ''}`);
    });
  users
    .command('import')
    .description(
      'import users with argon2id hashes from a JSON array (Okta shape) or a .csv file (columns in ' +
        'docs/cli.md), streamed in batches that fit one request; exit 1 when any user failed',
    )
    .argument('<file>')
    .option('--no-activate', 'create the users STAGED instead of ACTIVE')
    .action(async (file: string, flags: { activate: boolean }, command: Command) => {
      const client = await api();
      const out = output(command);
      const summary = await importUsers(client, readImportFile(file), {
        activate: flags.activate,
        onProgress: (progress) => {
          if (out.json) return;
          const line = `imported ${progress.created}, failed ${progress.failed}`;
          io.stderr.write(io.stderr.isTTY ? `\r${line}` : `${line}\n`);
        },
      });
      if (!out.json && io.stderr.isTTY) io.stderr.write('\n');
      if (out.json) out.data(summary);
      else {
        out.line(
          `Created ${summary.created} users, ${summary.failed} failed (${summary.requests} requests).`,
        );
        for (const failure of summary.failures) {
          out.line(`  ${failure.at}${failure.login ? ` (${failure.login})` : ''}: ${failure.reason}`);
        }
      }
      if (summary.failed > 0)
        throw new CliError(
          `${summary.failed} user${summary.failed === 1 ? ' was' : 's were'} not imported`,
          EXIT.api,
          summary,
        );
    });
  users
    .command('expire')
    .description("expire one user's password (by id or login); with --temp-password also set a temporary one")
    .argument('<idOrLogin>')
    .option('--temp-password', 'also set a temporary password (the old one stops working)')
    .addOption(
      new Option(
        '--delivery <channel>',
        'how the temporary password reaches the user; printed only with none',
      )
        .choices(['auto', 'email', 'voice', 'none'])
        .default('auto'),
    )
    .option('--revoke-sessions', "with --temp-password: end the user's sessions")
    .action(
      async (
        idOrLogin: string,
        flags: { tempPassword?: boolean; delivery: string; revokeSessions?: boolean },
        command: Command,
      ) => {
        const client = await api();
        const out = output(command);
        if (
          !flags.tempPassword &&
          (command.getOptionValueSource('delivery') === 'cli' || flags.revokeSessions)
        ) {
          throw usageError('--delivery and --revoke-sessions go with --temp-password');
        }
        const user = (await client.request<User>('GET', `/api/v1/users/${path(idOrLogin)}`)).body;
        if (!flags.tempPassword) {
          const expired = (
            await client.request<User>('POST', `/api/v1/users/${path(user.id)}/lifecycle/expire_password`)
          ).body;
          if (out.json) return out.data(expired);
          return out.line(
            `Password of ${expired.profile.login} (${expired.id}) expired: status ${expired.status}.`,
          );
        }
        const { tempPassword } = (
          await client.request<{ tempPassword: string }>(
            'POST',
            `/api/v1/users/${path(user.id)}/lifecycle/expire_password_with_temp_password`,
            { query: { deliver: flags.delivery, revokeSessions: String(Boolean(flags.revokeSessions)) } },
          )
        ).body;
        const shown = flags.delivery === 'none';
        if (out.json) {
          return out.data({
            id: user.id,
            login: user.profile.login,
            delivery: flags.delivery,
            ...(shown ? { tempPassword } : {}),
          });
        }
        out.line(`Password of ${user.profile.login} (${user.id}) expired with a temporary password.`);
        if (shown)
          out.line(`Temporary password (delivery none: hand it to the user yourself): ${tempPassword}`);
        else out.line(`The notifier delivers it (${flags.delivery}); it is not shown here.`);
      },
    );

  program
    .command('expire-all')
    .description(
      'expire the passwords of all users, or of some providers, groups, listed users or users an expression ' +
        'matches (all scopes given apply together); asks for confirmation on a terminal (--yes otherwise), ' +
        'then shows the job until it completes (with --waves: prints the job and its waves and returns)',
    )
    .addOption(new Option('--provider <type...>', 'only these credential providers').choices(PROVIDERS))
    .option('--group <idOrName...>', 'only the members of these groups (ids or names)')
    .option(
      '--users <file>',
      `only these users: one id or login per line, or a .csv with an id (or login) column; at most ` +
        `${MAX_LISTED_USERS.toLocaleString('en')} users, logins looked up one by one (at most ${MAX_LISTED_LOGINS})`,
    )
    .option('--filter <expr>', 'only the users this filter matches now, e.g. \'status eq "ACTIVE"\'')
    .option('--search <expr>', 'only the users this search matches now, e.g. \'profile.lastName sw "Sm"\'')
    .option('--waves <size>', 'stage the expiry in waves of this many users', positiveInteger)
    .option('--wave-interval <minutes>', 'minutes between the waves (with --waves)', positiveInteger)
    .option('--reason <text>', 'recorded with the job and in the System Log')
    .option('--dry-run', 'only count the users it would expire (and plan the waves)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-wait', 'print the job and return without waiting for it')
    .action(
      async (
        flags: {
          provider?: string[];
          group?: string[];
          users?: string;
          filter?: string;
          search?: string;
          waves?: number;
          waveInterval?: number;
          reason?: string;
          dryRun?: boolean;
          yes?: boolean;
          wait: boolean;
        },
        command: Command,
      ) => {
        if ((flags.waves === undefined) !== (flags.waveInterval === undefined))
          throw usageError('--waves and --wave-interval go together');
        if (flags.waves !== undefined && flags.waves > MAX_LISTED_USERS)
          throw usageError(`--waves: at most ${MAX_LISTED_USERS.toLocaleString('en')} users a wave`);
        if (flags.waveInterval !== undefined && flags.waveInterval > MAX_WAVE_INTERVAL_MINUTES)
          throw usageError(`--wave-interval: at most ${MAX_WAVE_INTERVAL_MINUTES} minutes (a week)`);
        const listed = flags.users === undefined ? undefined : await readUserList(flags.users);
        const client = await api();
        const out = output(command);
        const resolved = listed ? await resolveLogins(client, listed.logins) : undefined;
        const userIds = listed && resolved ? [...new Set([...listed.ids, ...resolved.ids])] : undefined;
        const scope = {
          ...(flags.provider ? { providers: flags.provider } : {}),
          ...(flags.group ? { groupIds: await groupIds(client, flags.group) } : {}),
          ...(userIds ? { userIds } : {}),
          ...(flags.filter !== undefined ? { filter: flags.filter } : {}),
          ...(flags.search !== undefined ? { search: flags.search } : {}),
          ...(flags.waves !== undefined
            ? { waves: { size: flags.waves, intervalMinutes: flags.waveInterval } }
            : {}),
        };
        const unknownLogins = resolved?.unknown ?? [];
        if (!flags.dryRun && unknownLogins.length > 0) {
          throw usageError(
            `--users: ${unknownLogins.length} login${unknownLogins.length === 1 ? ' is' : 's are'} no ` +
              `user's (${unknownLogins.slice(0, 10).join(', ')}${unknownLogins.length > 10 ? ', …' : ''}): ` +
              'fix the list (--dry-run lists them); nothing was expired',
          );
        }
        const dry = (
          await client.request<DryRun>('POST', '/api/v1/users/lifecycle/expire_passwords', {
            body: { ...scope, dryRun: true },
          })
        ).body;
        const counts = dry.perProvider.map(({ provider, total }) => `${provider} ${total}`).join(', ');
        if (flags.dryRun) {
          if (out.json) {
            return out.data(
              unknownLogins.length
                ? {
                    ...dry,
                    unknownLogins: { total: unknownLogins.length, first: unknownLogins.slice(0, 10) },
                  }
                : dry,
            );
          }
          out.line(`Dry run: ${dry.total} users would be expired (${counts || 'none'}).`);
          for (const { groupId, total } of dry.perGroup ?? []) out.line(`  group ${groupId}: ${total}`);
          if (dry.scopedUsers !== undefined)
            out.line(
              `  listed or matched users: ${dry.scopedUsers} (the targets among them are counted above)`,
            );
          if (dry.unknownUserIds?.total) {
            out.line(
              `  unknown ids: ${dry.unknownUserIds.total} (${dry.unknownUserIds.first.join(', ')}${dry.unknownUserIds.total > dry.unknownUserIds.first.length ? ', …' : ''}): a run refuses the list`,
            );
          }
          if (unknownLogins.length) {
            out.line(
              `  unknown logins: ${unknownLogins.length} (${unknownLogins.slice(0, 10).join(', ')}${unknownLogins.length > 10 ? ', …' : ''}): a run refuses the list`,
            );
          }
          for (const wave of dry.waves ?? [])
            out.line(
              `  wave ${wave.number}: ${wave.size} user${wave.size === 1 ? '' : 's'} from ${wave.startsAt}`,
            );
          return;
        }
        if (dry.total === 0) {
          if (out.json) return out.data(dry);
          return out.line('No user is in scope: nothing to expire, no job started.');
        }
        const staged = dry.waves?.length
          ? ` in ${dry.waves.length} wave${dry.waves.length === 1 ? '' : 's'} of up to ${flags.waves}, ${flags.waveInterval} min apart`
          : '';
        if (!flags.yes) {
          if (!io.stdin.isTTY || !io.stderr.isTTY) {
            throw usageError(
              'expire-all asks for confirmation on a terminal: pass --yes to run it without one',
            );
          }
          const answer = await ask(
            io,
            `Expire the passwords of ${dry.total} users (${counts || 'none'})${staged}? Type "yes" to go on: `,
          );
          if (answer.trim().toLowerCase() !== 'yes') throw usageError('not confirmed: nothing was expired');
        }
        const started = (
          await client.request<Job>('POST', '/api/v1/users/lifecycle/expire_passwords', {
            body: { ...scope, ...(flags.reason ? { reason: flags.reason } : {}) },
          })
        ).body;
        // A staged job runs for (waves − 1) × interval: the CLI shows the plan and leaves (`jobs show --watch`).
        if (!flags.wait || started.waves) {
          if (out.json) return out.data(started);
          out.line(jobLine(started));
          printWaves(out, started);
          if (started.waves)
            out.line(
              `Follow it with: lapse jobs show ${started.id} --watch; cancel the waves not started with: lapse jobs cancel ${started.id}`,
            );
          return;
        }
        const job = await watchJob(client, io, started, out.json);
        if (out.json) return out.data(job);
        out.line(
          `Job ${job.id} completed: ${job.expired} expired, ${job.skipped} skipped, ${job.total} in scope.`,
        );
      },
    );

  const jobs = program.command('jobs').description('bulk expiry jobs');
  jobs
    .command('list')
    .description('jobs, newest first')
    .option('--limit <n>', 'at most this many jobs (default 20)', positiveInteger, 20)
    .action(async (flags: { limit: number }, command: Command) => {
      const client = await api();
      const out = output(command);
      const found: Job[] = [];
      for await (const job of client.list<Job>(
        '/api/v1/jobs',
        { limit: String(Math.min(flags.limit, 200)) },
        flags.limit,
      )) {
        found.push(job);
      }
      if (out.json) return out.data(found);
      out.table(
        ['ID', 'STATUS', 'DONE', 'TOTAL', 'EXPIRED', 'SKIPPED', 'CREATED'],
        found.map((job) => [job.id, job.status, job.done, job.total, job.expired, job.skipped, job.created]),
      );
    });
  jobs
    .command('show')
    .description('one job; --watch follows it until it completes')
    .argument('<id>')
    .option('--watch', 'show its progress until it completes')
    .action(async (id: string, flags: { watch?: boolean }, command: Command) => {
      const client = await api();
      const out = output(command);
      let job = (await client.request<Job>('GET', `/api/v1/jobs/${path(id)}`)).body;
      if (flags.watch) job = await watchJob(client, io, job, out.json);
      if (out.json) return out.data(job);
      out.line(jobLine(job));
      out.line(`created ${job.created}${job.completed ? `, completed ${job.completed}` : ''}`);
      if (job.providers) out.line(`providers ${job.providers.join(', ')}`);
      if (job.groupIds) out.line(`groups ${job.groupIds.join(', ')}`);
      if (job.scopedUsers !== undefined) out.line(`listed or matched users ${job.scopedUsers}`);
      if (job.filter) out.line(`filter ${job.filter}`);
      if (job.search) out.line(`search ${job.search}`);
      if (job.reason) out.line(`reason ${job.reason}`);
      printWaves(out, job);
    });
  jobs
    .command('cancel')
    .description(
      "cancel a staged job's waves not started (a running wave runs to its end; what was expired stays " +
        'expired); asks for confirmation on a terminal (--yes otherwise)',
    )
    .argument('<id>')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (id: string, flags: { yes?: boolean }, command: Command) => {
      const client = await api();
      const out = output(command);
      if (!flags.yes) {
        if (!io.stdin.isTTY || !io.stderr.isTTY)
          throw usageError(
            'jobs cancel asks for confirmation on a terminal: pass --yes to run it without one',
          );
        const job = (await client.request<Job>('GET', `/api/v1/jobs/${path(id)}`)).body;
        const pending = (job.waves ?? []).filter((wave) => wave.state === 'PENDING');
        // Nothing to cancel: no question; the API answers why (403 E0000038 with the reason).
        if (pending.length > 0) {
          const users = pending.reduce((sum, wave) => sum + wave.size, 0);
          const answer = await ask(
            io,
            `Cancel ${pending.length} wave${pending.length === 1 ? '' : 's'} not started (${users} users) of job ${job.id}? Type "yes" to go on: `,
          );
          if (answer.trim().toLowerCase() !== 'yes') throw usageError('not confirmed: nothing was cancelled');
        }
      }
      const job = (await client.request<Job>('POST', `/api/v1/jobs/${path(id)}/lifecycle/cancel`)).body;
      if (out.json) return out.data(job);
      out.line(`Job ${job.id}: the waves not started are cancelled (${job.cancelled ?? 0} users).`);
      out.line(jobLine(job));
      printWaves(out, job);
    });

  const tokens = program.command('tokens').description('admin API tokens (SUPER_ADMIN)');
  tokens
    .command('create')
    .description('create a token; it is printed once and cannot be read again')
    .argument('<name>')
    .addOption(new Option('--role <role>', "the token's role").choices(ROLES).default('READ_ONLY_ADMIN'))
    .action(async (name: string, flags: { role: string }, command: Command) => {
      const client = await api();
      const out = output(command);
      const created = (
        await client.request<ApiToken>('POST', '/api/v1/api-tokens', { body: { name, role: flags.role } })
      ).body;
      if (out.json) return out.data(created);
      out.line(`Token ${created.name} (${created.id}, ${created.role}) created. It is shown once:`);
      out.line(created.token);
    });
  tokens
    .command('list')
    .description('the tokens (names and roles; never the tokens themselves)')
    .action(async (_flags, command: Command) => {
      const list = (await (await api()).request<ApiToken[]>('GET', '/api/v1/api-tokens')).body;
      const out = output(command);
      if (out.json) return out.data(list);
      out.table(
        ['ID', 'NAME', 'ROLE', 'CREATED', 'CREATED BY'],
        list.map((token) => [token.id, token.name, token.role, token.created, token.createdBy]),
      );
    });
  tokens
    .command('revoke')
    .description('revoke a token by id')
    .argument('<id>')
    .action(async (id: string, _flags, command: Command) => {
      await (await api()).request('DELETE', `/api/v1/api-tokens/${path(id)}`);
      const out = output(command);
      if (out.json) out.data({ revoked: id });
      else out.line(`Token ${id} revoked.`);
    });

  program
    .command('events')
    .description("Lapse's public Kafka topics")
    .command('tail')
    .description("print the public topics' events as they arrive (KAFKA_BROKERS, default localhost:9092)")
    .addOption(new Option('--topic <topic...>', 'only these topics').choices([...PUBLIC_TOPICS]))
    .option('--from-beginning', 'start at the oldest event kept')
    .option('--max <n>', 'stop after this many events', positiveInteger)
    .action(async (flags: { topic?: string[]; fromBeginning?: boolean; max?: number }, command: Command) => {
      await tailEvents(io, {
        topics: flags.topic ?? PUBLIC_TOPICS,
        fromBeginning: Boolean(flags.fromBeginning),
        max: flags.max ?? Infinity,
        json: output(command).json,
        signal: options.signal,
      });
    });

  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the help, or the message and the usage hint.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(
        json
          ? `${JSON.stringify({ error: error.message, exitCode: error.exitCode, ...(error.details === undefined ? {} : { details: error.details }) })}\n`
          : `lapse: ${error.message}\n`,
      );
      return error.exitCode;
    }
    io.stderr.write(`lapse: ${(error as Error).message ?? String(error)}\n`);
    return EXIT.api;
  }
}
