import type { BaseConfig, EnvReader } from '@lapse/shared';
import { DEFAULT_HASH_PARAMS, type PasswordHashParams } from './credentials/password-hasher';

export interface DirectoryConfig {
  readonly base: BaseConfig;
  /** Bootstrap admin token (SUPER_ADMIN); other tokens live hashed in `directory_admin_tokens`. */
  readonly adminApiToken: string | undefined;
  readonly passwordHash: PasswordHashParams;
  readonly temporaryPasswordLifetimeMinutes: number;
  readonly resetLinkLifetimeMinutes: number;
  readonly notifierJwksUrl: string;
  /** Org setting: bulk expiry and password resets include delegated-authentication (AD/LDAP) users. */
  readonly orgDelegatedPasswordReset: boolean;
  readonly bulkExpiryBatchSize: number;
  /** Run the bulk-expiry fan-out in this process (default true; turn off on all but one instance if you like). */
  readonly bulkExpiryWorker: boolean;
  /** Slices of a bulk expiry fanned out concurrently (one transaction each at a time). */
  readonly bulkExpiryConcurrency: number;
  /**
   * How often a worker looks for running jobs that another instance started, to share their fan-out
   * (0: never; the worker then runs only the jobs it was asked for, and those it finds at start).
   */
  readonly bulkExpiryPollMs: number;
  /**
   * The length, in milliseconds, of one minute of a staged bulk expiry's `waves.intervalMinutes` (default
   * 60000). Lower it only for tests and drills, so waves come seconds apart instead of minutes.
   */
  readonly bulkExpiryWaveMinuteMs: number;
  /** The most ids one bulk-expiry upload (`POST …/expire_passwords/uploads`) may hold. */
  readonly bulkExpiryUploadMaxIds: number;
  /** Seconds an upload stays usable after it is made; then it answers 404 and is deleted. */
  readonly bulkExpiryUploadLifetimeSeconds: number;
  /** How often the age-expiry sweep runs (`user/expire-by-age/`), in seconds; 0 disables it. */
  readonly policySweepIntervalSeconds: number;
  /** Users the age-expiry sweep expires per statement (one transaction each). */
  readonly policySweepBatchSize: number;
  /** Entries of the breached-password list `dictionary.common.exclude` checks (`policy/common-passwords.ts`). */
  readonly commonPasswordListSize: number;
  /** The longest temporary-password lifetime an admin may ask for per request (`tempPasswordLifetimeMinutes`). */
  readonly temporaryPasswordMaxLifetimeMinutes: number;
  /** Identity's base URL: the admin console signs administrators in through its authn API. */
  readonly identityUrl: string;
  /** A console session not used this long ends. */
  readonly consoleIdleMinutes: number;
  /** No console session lives longer after sign-in, however often used. */
  readonly consoleMaxLifetimeMinutes: number;
}

export function readDirectoryConfig(env: EnvReader, base: BaseConfig): DirectoryConfig {
  return {
    base,
    adminApiToken: env.secret('ADMIN_API_TOKEN'),
    passwordHash: {
      memoryKib: env.int('PASSWORD_HASH_MEMORY_KIB', DEFAULT_HASH_PARAMS.memoryKib, 1024, 4_194_304),
      iterations: env.int('PASSWORD_HASH_ITERATIONS', DEFAULT_HASH_PARAMS.iterations, 1, 100),
    },
    temporaryPasswordLifetimeMinutes: env.int('TEMP_PASSWORD_LIFETIME_MINUTES', 24 * 60, 1, 7 * 24 * 60),
    resetLinkLifetimeMinutes: env.int('RESET_LINK_LIFETIME_MINUTES', 60, 1, 7 * 24 * 60),
    notifierJwksUrl:
      env.url('NOTIFIER_JWKS_URL', ['http', 'https']) ?? `${base.publicUrl}/api/v1/notifier/jwks`,
    orgDelegatedPasswordReset: env.bool('ORG_DELEGATED_PASSWORD_RESET', false),
    bulkExpiryBatchSize: env.int('BULK_EXPIRY_BATCH_SIZE', 2500, 1, 50_000),
    bulkExpiryWorker: env.bool('BULK_EXPIRY_WORKER', true),
    bulkExpiryConcurrency: env.int('BULK_EXPIRY_CONCURRENCY', 4, 1, 16),
    bulkExpiryPollMs: env.int('BULK_EXPIRY_POLL_MS', 1000, 0, 3_600_000),
    bulkExpiryWaveMinuteMs: env.int('BULK_EXPIRY_WAVE_MINUTE_MS', 60_000, 1, 60_000),
    bulkExpiryUploadMaxIds: env.int('BULK_EXPIRY_UPLOAD_MAX_IDS', 5_000_000, 1, 50_000_000),
    bulkExpiryUploadLifetimeSeconds: env.int('BULK_EXPIRY_UPLOAD_LIFETIME_SECONDS', 86_400, 1, 604_800),
    policySweepIntervalSeconds: env.int('POLICY_SWEEP_INTERVAL_SECONDS', 60, 0, 86_400),
    policySweepBatchSize: env.int('POLICY_SWEEP_BATCH_SIZE', 1000, 1, 50_000),
    commonPasswordListSize: env.int('COMMON_PASSWORD_LIST_SIZE', 100_000, 1000, 1_000_000),
    // NIST SP 800-63B-4: a one-time secret sent by email lives at most 24 hours (voice: 10 minutes).
    temporaryPasswordMaxLifetimeMinutes: env.int(
      'TEMP_PASSWORD_MAX_LIFETIME_MINUTES',
      24 * 60,
      1,
      30 * 24 * 60,
    ),
    identityUrl: (env.url('IDENTITY_URL', ['http', 'https']) ?? base.publicUrl).replace(/\/$/, ''),
    consoleIdleMinutes: env.int('CONSOLE_IDLE_MINUTES', 15, 1, 24 * 60),
    consoleMaxLifetimeMinutes: env.int('CONSOLE_MAX_LIFETIME_MINUTES', 12 * 60, 1, 7 * 24 * 60),
  };
}

export const DIRECTORY_CONFIG = Symbol('DIRECTORY_CONFIG');
