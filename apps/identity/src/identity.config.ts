import type { BaseConfig, EnvReader } from '@lapse/shared';

/** Argon2id parameters of the dummy hash verified for unknown users (same as directory's hashing). */
export interface HashParameters {
  readonly memoryKib: number;
  readonly iterations: number;
  readonly parallelism: number;
}

export interface SessionPolicy {
  readonly idleMinutes: number;
  readonly maxLifetimeMinutes: number;
}

export interface IdentityConfig {
  readonly base: BaseConfig;
  /** Where directory's internal API answers (`/internal/v1/...`); the process itself in all-in-one mode. */
  readonly directoryUrl: string;
  /** Above this projection lag identity confirms the credential version with directory before a session. */
  readonly projectionMaxLagMs: number;
  /**
   * A lag measurement is trusted this long; past it (the broker or database unanswered) the lag is unknown
   * and every sign-in is confirmed with directory. Bounds how long an expiry made during a broker outage
   * can go unenforced.
   */
  readonly lagMeasurementMaxAgeMs: number;
  /** Readiness fails when the projection is further behind than this (a backlog, not a blip). */
  readonly projectionReadyMaxLagMs: number;
  /** Directory unreachable while the projection is stale: refuse with 503 (true) or trust the projection. */
  readonly failClosed: boolean;
  readonly sessionCookieSecure: boolean;
  /**
   * Okta's global session policy: a session not used for `idleMinutes` ends, and none outlives its
   * creation by more than `maxLifetimeMinutes`, whatever refreshes it.
   */
  readonly session: SessionPolicy;
  readonly sessionTokenLifetimeSeconds: number;
  readonly stateTokenLifetimeSeconds: number;
  /** How long change_password waits for the projection to hold the new password (read-your-writes). */
  readonly changePasswordWaitMs: number;
  /** Okta's per-username limit on `/api/v1/authn`. */
  readonly authnRequestsPerSecond: number;
  /** Password sign-ins per client address per minute (the address `TRUST_PROXY` lets Express resolve). */
  readonly authnRequestsPerClientPerMinute: number;
  /** Password sign-ins of the whole process per minute. */
  readonly authnRequestsGlobalPerMinute: number;
  readonly dummyHash: HashParameters;
  /** How long a fetched password policy is trusted before it is fetched again. */
  readonly policyCacheMs: number;
  /** How many logins' password hashes sign-in keeps as hints to verify during the lookup (0: none). */
  readonly passwordHashHints: number;
  /**
   * Origins the hosted sign-in page (`/signin`) may send a signed-in browser back to (`fromURI`); any other
   * `fromURI` ends on `/signin/done`. Default: `PUBLIC_URL`'s origin only.
   */
  readonly signInRedirectOrigins: readonly string[];
  /** Forgot-password requests (`/api/v1/authn/recovery/password`) per username per hour. */
  readonly recoveryRequestsPerUserPerHour: number;
  /** Forgot-password requests per client address per hour. */
  readonly recoveryRequestsPerClientPerHour: number;
  /**
   * Password sign-ins one process verifies or holds waiting for a hashing thread; one more is refused at once
   * with 429 E0000047 and `Retry-After: 1` instead of queueing behind seconds of work (load shedding).
   */
  readonly signInMaxInFlight: number;
  /**
   * A password sign-in whose gateway stamp (`X-Request-Start`) says it waited longer than this before identity
   * read it is shed the same way (0: never). Without the stamp (no gateway) nothing is shed for waiting.
   */
  readonly signInMaxQueueMs: number;
  /**
   * Identity's audit events (sign-ins, session clears) are written at most once per this many milliseconds,
   * each write carrying all recorded since the last (0: a write as soon as each answer has gone out).
   */
  readonly auditWriteIntervalMs: number;
}

export function readIdentityConfig(env: EnvReader, base: BaseConfig): IdentityConfig {
  return {
    base,
    directoryUrl: (env.url('DIRECTORY_URL', ['http', 'https']) ?? base.publicUrl).replace(/\/$/, ''),
    projectionMaxLagMs: env.int('PROJECTION_MAX_LAG_MS', 2000, 0),
    lagMeasurementMaxAgeMs: env.int('LAG_MEASUREMENT_MAX_AGE_MS', 400, 100, 60_000),
    projectionReadyMaxLagMs: env.int('PROJECTION_READY_MAX_LAG_MS', 60_000, 0),
    failClosed: env.bool('FAIL_CLOSED', true),
    sessionCookieSecure: env.bool('SESSION_COOKIE_SECURE', false),
    session: readSessionPolicy(env),
    sessionTokenLifetimeSeconds: env.int('SESSION_TOKEN_LIFETIME_SECONDS', 300, 1),
    stateTokenLifetimeSeconds: env.int('STATE_TOKEN_LIFETIME_SECONDS', 300, 1),
    changePasswordWaitMs: env.int('CHANGE_PASSWORD_WAIT_MS', 5000, 0),
    authnRequestsPerSecond: env.int('AUTHN_RATE_LIMIT_PER_SECOND', 4, 1),
    authnRequestsPerClientPerMinute: env.int('AUTHN_RATE_LIMIT_PER_CLIENT_PER_MINUTE', 600, 1),
    authnRequestsGlobalPerMinute: env.int('AUTHN_RATE_LIMIT_GLOBAL_PER_MINUTE', 12_000, 1),
    signInMaxInFlight: env.int('SIGN_IN_MAX_IN_FLIGHT', 256, 1),
    signInMaxQueueMs: env.int('SIGN_IN_MAX_QUEUE_MS', 2000, 0),
    auditWriteIntervalMs: env.int('AUDIT_WRITE_INTERVAL_MS', 250, 0, 60_000),
    dummyHash: {
      memoryKib: env.int('PASSWORD_HASH_MEMORY_KIB', 19456, 1024),
      iterations: env.int('PASSWORD_HASH_ITERATIONS', 2, 1),
      parallelism: env.int('PASSWORD_HASH_PARALLELISM', 1, 1),
    },
    policyCacheMs: env.int('PASSWORD_POLICY_CACHE_MS', 30_000, 0),
    passwordHashHints: env.int('PASSWORD_HASH_HINTS', 10_000, 0),
    signInRedirectOrigins: readRedirectOrigins(env, base.publicUrl),
    recoveryRequestsPerUserPerHour: env.int('RECOVERY_RATE_LIMIT_PER_USER_PER_HOUR', 5, 1),
    recoveryRequestsPerClientPerHour: env.int('RECOVERY_RATE_LIMIT_PER_CLIENT_PER_HOUR', 60, 1),
  };
}

/** `SIGN_IN_REDIRECT_ORIGINS`: comma-separated origins (`https://app.example.com`), nothing more of a URL. */
function readRedirectOrigins(env: EnvReader, publicUrl: string): string[] {
  const entries = env.list('SIGN_IN_REDIRECT_ORIGINS', [new URL(publicUrl).origin]);
  return entries.flatMap((entry) => {
    let origin: string | null = null;
    try {
      const url = new URL(entry);
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.origin === entry.replace(/\/$/, ''))
        origin = url.origin;
    } catch {
      origin = null;
    }
    if (!origin) {
      // An origin is not a secret: naming the entry tells the operator which one to fix.
      env.problem('SIGN_IN_REDIRECT_ORIGINS', `"${entry}" is not an http(s) origin (scheme://host[:port])`);
      return [];
    }
    return [origin];
  });
}

/** `SESSION_LIFETIME_MINUTES`, the name before idle and maximum lifetimes were told apart, still sets the idle time. */
function readSessionPolicy(env: EnvReader): SessionPolicy {
  const idleMinutes = env.int('SESSION_IDLE_MINUTES', env.int('SESSION_LIFETIME_MINUTES', 120, 1), 1);
  const maxLifetimeMinutes = env.int('SESSION_MAX_LIFETIME_MINUTES', 1440, 1);
  if (maxLifetimeMinutes < idleMinutes)
    env.problem('SESSION_MAX_LIFETIME_MINUTES', 'must be at least SESSION_IDLE_MINUTES');
  return { idleMinutes, maxLifetimeMinutes };
}
