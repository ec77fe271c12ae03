import { newRecoveryToken, recoveryTokenHash } from '@lapse/shared';
import type { DirectoryConfig } from '../../directory.config';

/** A one-use reset link as the reset handlers make it. */
export interface ResetLink {
  /** `{PUBLIC_URL}/reset_password/{token}`: handed back or sealed for the notifier, never stored in clear. */
  readonly url: string;
  /** What the user's stream records of the token. */
  readonly tokenHash: string;
  readonly expiresAt: string;
}

/** A fresh reset link, valid for RESET_LINK_LIFETIME_MINUTES from `now`. */
export function newResetLink(config: DirectoryConfig, now: Date): ResetLink {
  const token = newRecoveryToken();
  return {
    url: `${config.base.publicUrl}/reset_password/${token}`,
    tokenHash: recoveryTokenHash(token),
    expiresAt: new Date(now.getTime() + config.resetLinkLifetimeMinutes * 60_000).toISOString(),
  };
}
