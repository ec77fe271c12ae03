import { createHash, randomInt } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  ID_SOURCE,
  type IdSource,
  LOGGER,
  type Logger,
  PG_POOL,
  type Queryable,
  ValidationFailedError,
} from '@lapse/shared';
import type { Pool } from 'pg';
import { AdminRolesService } from '../admin-roles/admin-roles.service';
import { superAdminExists } from '../admin-roles/admin-roles.projection';
import type { Caller } from '../common/caller';
import { PASSWORD_HASHER, type PasswordHasher } from '../credentials/password-hasher';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import { PasswordPolicyStore } from '../policy/password-policy.store';
import type { UserProfile } from '../user/domain/user.state';
import { UserCommandService } from '../user/user-commands.service';

/** Unambiguous characters (no 0/O, 1/I/L): a code read from a terminal and typed into a page. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const MAX_ATTEMPTS = 10;
/** How long a printed setup code works (a start or `npm run directory:setup-code` prints a new one). */
export const SETUP_CODE_LIFETIME_HOURS = 24;
/**
 * The setup's session-level advisory lock: one setup at a time across every directory instance sharing the
 * database, so two concurrent setups cannot both create a super administrator. An arbitrary constant
 * ("lapsecon" in ASCII).
 */
const SETUP_LOCK = 0x6c61707365636f6en;

const digest = (code: string) => createHash('sha256').update(code, 'utf8').digest();
const normalized = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');

export function newSetupCode(): string {
  const characters = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return characters.match(/.{4}/g)?.join('-') ?? characters;
}

/**
 * A new setup code while no user holds SUPER_ADMIN (its SHA-256 is stored beside the codes other starts
 * printed, which keep working), or null when the setup is closed. Directory calls it at start;
 * `npm run directory:setup-code` too. Codes that timed out go here.
 */
export async function issueSetupCode(db: Queryable, now: Date): Promise<string | null> {
  if (await superAdminExists(db)) return null;
  await db.query('DELETE FROM directory_console_setup_codes WHERE expires_at <= $1', [now]);
  const code = newSetupCode();
  await db.query(
    `INSERT INTO directory_console_setup_codes (code_hash, attempts, created_at, expires_at)
     VALUES ($1, 0, $2, $3)`,
    [digest(normalized(code)), now, new Date(now.getTime() + SETUP_CODE_LIFETIME_HOURS * 3_600_000)],
  );
  return code;
}

export const setupLine = (publicUrl: string, code: string) =>
  `No super administrator yet. Open ${publicUrl}/admin/setup and type the one-time setup code ${code}`;

export type SetupOutcome =
  | { readonly kind: 'CREATED'; readonly userId: string }
  /** No code works any more (used, timed out, too many wrong ones), or the console was set up long ago. */
  | { readonly kind: 'CLOSED' }
  /** A super administrator exists: another setup created one while this one was typed or waited for it. */
  | { readonly kind: 'TAKEN' };

export interface FirstAdministrator {
  readonly login: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly password: string;
}

const SETUP_CALLER = (correlationId: string): Caller => ({
  actor: 'system',
  audit: { id: 'console-setup', type: 'System', displayName: 'Admin console setup' },
  correlationId,
});

/**
 * The first super administrator. While no user holds SUPER_ADMIN, every directory start makes a one-time
 * setup code (only its SHA-256 is stored) and prints it with the setup page's URL; with several instances
 * every printed code works. The page (never the URL) takes a code; the first administrator is created
 * through the same commands as the API's create user and role assignment, and every code is dead. A code
 * also dies after `SETUP_CODE_LIFETIME_HOURS` or ten wrong codes typed while it lived (restart for another).
 * One setup runs at a time across instances (an advisory lock): of two at once, the second finds the first
 * super administrator and is told so.
 */
@Injectable()
export class ConsoleSetupService implements OnApplicationBootstrap {
  constructor(
    private readonly users: UserCommandService,
    private readonly roles: AdminRolesService,
    private readonly policies: PasswordPolicyStore,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const code = await issueSetupCode(this.pool, this.clock.now());
    if (code) this.logger.warn({}, setupLine(this.config.base.publicUrl, code));
  }

  /** True while the setup page may be used. */
  async isOpen(): Promise<boolean> {
    if (await superAdminExists(this.pool)) return false;
    const { rows } = await this.pool.query(
      'SELECT 1 FROM directory_console_setup_codes WHERE expires_at > $1 LIMIT 1',
      [this.clock.now()],
    );
    return rows.length > 0;
  }

  /**
   * Checks the code (a wrong one counts), then the profile and password against the policy, then creates
   * the user and assigns SUPER_ADMIN, holding the setup's lock throughout. Refusals are
   * `ValidationFailedError` with messages for the page.
   */
  async createFirstAdministrator(code: string, admin: FirstAdministrator): Promise<SetupOutcome> {
    if (await superAdminExists(this.pool)) return { kind: 'TAKEN' };
    const lock = await this.pool.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1::bigint)', [SETUP_LOCK]);
      try {
        return await this.createWhileLocked(code, admin);
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1::bigint)', [SETUP_LOCK]);
      }
    } finally {
      lock.release();
    }
  }

  private async createWhileLocked(code: string, admin: FirstAdministrator): Promise<SetupOutcome> {
    if (await superAdminExists(this.pool)) return { kind: 'TAKEN' };
    const now = this.clock.now();
    const { rows } = await this.pool.query<{ matches: boolean }>(
      'SELECT code_hash = $1 AS matches FROM directory_console_setup_codes WHERE expires_at > $2',
      [digest(normalized(code)), now],
    );
    if (rows.length === 0) return { kind: 'CLOSED' };
    if (!rows.some((row) => row.matches)) {
      // A wrong code counts against every code alive; the codes it used up die.
      await this.pool.query('UPDATE directory_console_setup_codes SET attempts = attempts + 1');
      await this.pool.query(
        'DELETE FROM directory_console_setup_codes WHERE attempts >= $1 OR expires_at <= $2',
        [MAX_ATTEMPTS, now],
      );
      if (!(await this.isOpen())) return { kind: 'CLOSED' };
      throw new ValidationFailedError(['setup code: The setup code is not correct']);
    }
    const profile: UserProfile = {
      login: admin.login.trim(),
      email: admin.email.trim() || null,
      firstName: admin.firstName.trim() || null,
      lastName: admin.lastName.trim() || null,
      mobilePhone: null,
    };
    const problems = [
      ...(profile.login ? [] : ['login: Enter a username']),
      ...(profile.email ? [] : ['email: Enter an email address']),
      ...this.policies
        .violations(admin.password, await this.policies.current(this.pool), profile)
        .map((message) => `password: ${message}`),
    ];
    if (problems.length > 0) throw new ValidationFailedError(problems);
    const at = this.clock.now().toISOString();
    const userId = this.ids.next();
    const caller = SETUP_CALLER(this.ids.next());
    // Nothing is created when this refuses (e.g. the login is taken): the codes stay good for another try.
    await this.users.execute(
      userId,
      {
        type: 'CreateUser',
        userId,
        profile,
        provider: { type: 'OKTA', name: 'OKTA' },
        password: { hash: await this.hasher.hash(admin.password), changedAt: at, by: 'ADMIN' },
        activate: true,
        expirePassword: false,
        at,
      },
      caller,
      {
        eventType: 'user.lifecycle.create',
        message: 'Create user',
        debugData: { provider: 'OKTA', consoleSetup: true },
      },
    );
    await this.roles.assign(userId, 'SUPER_ADMIN', caller);
    // Using one code consumes them all.
    await this.pool.query('DELETE FROM directory_console_setup_codes');
    return { kind: 'CREATED', userId };
  }
}
