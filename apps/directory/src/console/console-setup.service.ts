import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
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

const digest = (code: string) => createHash('sha256').update(code, 'utf8').digest();
const normalized = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');

export function newSetupCode(): string {
  const characters = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return characters.match(/.{4}/g)?.join('-') ?? characters;
}

/**
 * A new setup code while no user holds SUPER_ADMIN (its SHA-256 replaces any earlier code), or null when
 * the setup is closed. Directory calls it at start; `npm run directory:setup-code` too.
 */
export async function issueSetupCode(db: Queryable, now: Date): Promise<string | null> {
  if (await superAdminExists(db)) return null;
  const code = newSetupCode();
  await db.query(
    `INSERT INTO directory_console_setup (id, code_hash, attempts, created_at) VALUES (1, $1, 0, $2)
     ON CONFLICT (id) DO UPDATE SET code_hash = excluded.code_hash, attempts = 0, created_at = excluded.created_at`,
    [digest(normalized(code)), now],
  );
  return code;
}

export const setupLine = (publicUrl: string, code: string) =>
  `No super administrator yet. Open ${publicUrl}/admin/setup and type the one-time setup code ${code}`;

export type SetupOutcome =
  | { readonly kind: 'CREATED'; readonly userId: string }
  | { readonly kind: 'CLOSED' };

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
 * The first super administrator. While no user holds SUPER_ADMIN, directory makes a one-time setup code at
 * start (only its SHA-256 is stored; a later start replaces it) and prints it with the setup page's URL. The
 * page (never the URL) takes the code; the first administrator is created through the same commands as the
 * API's create user and role assignment, and the code is dead. Ten wrong codes kill it too (restart for another).
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
    const { rows } = await this.pool.query('SELECT 1 FROM directory_console_setup');
    return rows.length > 0;
  }

  /**
   * Checks the code (a wrong one counts), then the profile and password against the policy, then creates
   * the user and assigns SUPER_ADMIN. Refusals are `ValidationFailedError` with messages for the page.
   */
  async createFirstAdministrator(code: string, admin: FirstAdministrator): Promise<SetupOutcome> {
    if (await superAdminExists(this.pool)) return { kind: 'CLOSED' };
    const { rows } = await this.pool.query<{ code_hash: Buffer; attempts: number }>(
      'SELECT code_hash, attempts FROM directory_console_setup WHERE id = 1',
    );
    const row = rows[0];
    if (!row) return { kind: 'CLOSED' };
    const given = digest(normalized(code));
    if (!timingSafeEqual(given, row.code_hash)) {
      const { rows: left } = await this.pool.query<{ attempts: number }>(
        'UPDATE directory_console_setup SET attempts = attempts + 1 WHERE id = 1 RETURNING attempts',
      );
      if ((left[0]?.attempts ?? MAX_ATTEMPTS) >= MAX_ATTEMPTS) {
        await this.pool.query('DELETE FROM directory_console_setup WHERE id = 1');
        return { kind: 'CLOSED' };
      }
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
    // Claim the code before creating anyone: of two concurrent setups, one goes on.
    const claimed = await this.pool.query(
      'DELETE FROM directory_console_setup WHERE id = 1 AND code_hash = $1',
      [row.code_hash],
    );
    if (claimed.rowCount !== 1) return { kind: 'CLOSED' };
    const at = this.clock.now().toISOString();
    const userId = this.ids.next();
    const caller = SETUP_CALLER(this.ids.next());
    try {
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
    } catch (error) {
      // Nothing was created (e.g. the login is taken): the code stays good for another try.
      await this.pool.query(
        'INSERT INTO directory_console_setup (id, code_hash, attempts, created_at) VALUES (1, $1, $2, $3) ON CONFLICT DO NOTHING',
        [row.code_hash, row.attempts, this.clock.now()],
      );
      throw error;
    }
    await this.roles.assign(userId, 'SUPER_ADMIN', caller);
    return { kind: 'CREATED', userId };
  }
}
