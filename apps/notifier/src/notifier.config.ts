import { join } from 'node:path';
import type { BaseConfig, EnvReader } from '@lapse/shared';

/** Where email goes: a real relay, or (all-in-one without `SMTP_URL`) an embedded capture server. */
export type SmtpConfig =
  | { readonly kind: 'relay'; readonly url: string; readonly requireTls: boolean }
  | { readonly kind: 'embedded-capture'; readonly uiPort: number; readonly uiPortExplicit: boolean };

export interface VoiceConfig {
  /** The org allows voice delivery (AUTO picks voice for users without email). */
  readonly enabled: boolean;
  readonly webhookUrl: string | undefined;
  readonly webhookSecret: string | undefined;
  readonly timeoutMs: number;
}

export interface DeliveryConfig {
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly concurrency: number;
  readonly pollMs: number;
  /** Messages per second over every channel, so a bulk expiry drains steadily. */
  readonly ratePerSecond: number;
  readonly sweepMs: number;
  readonly workerEnabled: boolean;
}

export interface NotifierConfig {
  readonly base: BaseConfig;
  readonly keys: { readonly dir: string; readonly configured: readonly Record<string, unknown>[] | null };
  readonly smtp: SmtpConfig;
  readonly mailFrom: string;
  /** `link`: the email carries a one-time reveal link; `inline`: the password is in the email. */
  readonly mailMode: 'link' | 'inline';
  readonly voice: VoiceConfig;
  readonly delivery: DeliveryConfig;
  /** Send a plain notice (no secret) when an administrator or a bulk job expires a password. */
  readonly notifyOnAdminExpiry: boolean;
  /** Seconds between scans for passwords inside the policy's warning window (0: no reminders). */
  readonly reminderScanIntervalSeconds: number;
}

export function readNotifierConfig(env: EnvReader, base: BaseConfig): NotifierConfig {
  return {
    base,
    keys: { dir: join(base.dataDir, 'notifier-keys'), configured: readConfiguredKeys(env) },
    smtp: readSmtp(env, base),
    mailFrom: env.string('MAIL_FROM', 'Lapse <no-reply@lapse.local>'),
    mailMode: env.oneOf('MAIL_DELIVERY_MODE', ['link', 'inline'] as const, 'link'),
    voice: readVoice(env),
    delivery: {
      maxAttempts: env.int('DELIVERY_MAX_ATTEMPTS', 5, 1, 100),
      retryBaseMs: env.int('DELIVERY_RETRY_BASE_MS', 2000, 1),
      retryMaxMs: env.int('DELIVERY_RETRY_MAX_MS', 300_000, 1),
      concurrency: env.int('DELIVERY_CONCURRENCY', 4, 1, 64),
      pollMs: env.int('DELIVERY_POLL_MS', 250, 10),
      ratePerSecond: env.int('MAIL_RATE_PER_SEC', 50, 1, 100_000),
      sweepMs: env.int('DELIVERY_SWEEP_MS', 30_000, 100),
      workerEnabled: env.bool('NOTIFIER_WORKER_ENABLED', true),
    },
    notifyOnAdminExpiry: env.bool('NOTIFY_ON_ADMIN_EXPIRY', false),
    reminderScanIntervalSeconds: env.int('REMINDER_SCAN_INTERVAL_SECONDS', 300, 0, 86_400),
  };
}

function readSmtp(env: EnvReader, base: BaseConfig): SmtpConfig {
  const url = env.url('SMTP_URL', ['smtp', 'smtps']);
  const requireTls = env.bool('SMTP_REQUIRE_TLS', true);
  const uiPort = env.int('MAIL_UI_PORT', 1080, 0, 65535);
  if (url) return { kind: 'relay', url, requireTls };
  if (base.transport === 'kafka') env.problem('SMTP_URL', 'is required when TRANSPORT=kafka');
  return { kind: 'embedded-capture', uiPort, uiPortExplicit: env.optional('MAIL_UI_PORT') !== undefined };
}

function readVoice(env: EnvReader): VoiceConfig {
  const webhookUrl = env.url('VOICE_WEBHOOK_URL', ['http', 'https']);
  const webhookSecret = env.optional('VOICE_WEBHOOK_SECRET');
  const enabled = env.bool('VOICE_ENABLED', false);
  if (enabled && !webhookUrl) env.problem('VOICE_WEBHOOK_URL', 'is required when VOICE_ENABLED=true');
  if (webhookUrl && !webhookSecret) {
    env.problem('VOICE_WEBHOOK_SECRET', 'is required when VOICE_WEBHOOK_URL is set');
  }
  return { enabled, webhookUrl, webhookSecret, timeoutMs: env.int('VOICE_WEBHOOK_TIMEOUT_MS', 10_000, 100) };
}

/** `NOTIFIER_PRIVATE_KEYS`: a JSON array of private EC P-256 JWKs with `kid`, newest (current) first. */
function readConfiguredKeys(env: EnvReader): Record<string, unknown>[] | null {
  const text = env.optional('NOTIFIER_PRIVATE_KEYS');
  if (text === undefined) return null;
  const problem = 'must be a JSON array of private EC P-256 JWKs, each with a kid';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    env.problem('NOTIFIER_PRIVATE_KEYS', problem);
    return null;
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.length > 0 &&
    parsed.every(
      (key) =>
        typeof key === 'object' &&
        key !== null &&
        key.kty === 'EC' &&
        key.crv === 'P-256' &&
        typeof key.d === 'string' &&
        typeof key.x === 'string' &&
        typeof key.y === 'string' &&
        typeof key.kid === 'string' &&
        key.kid !== '',
    );
  if (!valid) {
    env.problem('NOTIFIER_PRIVATE_KEYS', problem);
    return null;
  }
  return parsed as Record<string, unknown>[];
}
