import type { Pool } from 'pg';
import { type Clock, looksLikeSecretToken, withTransaction } from '@lapse/shared';
import { NOTIFIER_ACTOR, type DeliveryStream } from '../delivery/delivery.stream';
import { tokenSha256 } from './reveal-link';
import { RevealRefusedError, type RevealRefusal } from '../delivery/domain/delivery.decider';
import { EnvelopeUnreadableError, type KeyRing } from '../keys/key-ring';
import { openSealedPassword } from '../keys/sealed-password';

export type RevealOutcome =
  | { readonly kind: 'ready'; readonly expiresAt: string }
  | { readonly kind: 'revealed'; readonly password: string; readonly expiresAt: string }
  | { readonly kind: 'refused'; readonly refusal: RevealRefusal | 'UNREADABLE' };

interface LinkRow {
  delivery_id: string;
  expires_at: Date;
  viewed_at: Date | null;
}

/**
 * The one-time reveal behind the emailed link. Only the token's SHA-256 is stored. `check` looks without
 * touching anything (mail scanners that prefetch links burn nothing); `reveal` opens the sealed envelope,
 * marks the link viewed and deletes the envelope in one transaction, so a second view is refused.
 */
export class RevealTemporaryPassword {
  constructor(
    private readonly pool: Pool,
    private readonly stream: DeliveryStream,
    private readonly keys: KeyRing,
    private readonly clock: Clock,
  ) {}

  async check(token: string): Promise<RevealOutcome> {
    if (!looksLikeSecretToken(token)) return { kind: 'refused', refusal: 'UNKNOWN' };
    const { rows } = await this.pool.query<LinkRow>(
      'SELECT delivery_id, expires_at, viewed_at FROM notifier_reveal_links WHERE token_sha256 = $1',
      [tokenSha256(token)],
    );
    const refusal = this.refusalFor(rows[0]);
    return refusal
      ? { kind: 'refused', refusal }
      : { kind: 'ready', expiresAt: rows[0].expires_at.toISOString() };
  }

  async reveal(token: string): Promise<RevealOutcome> {
    if (!looksLikeSecretToken(token)) return { kind: 'refused', refusal: 'UNKNOWN' };
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<LinkRow>(
        'SELECT delivery_id, expires_at, viewed_at FROM notifier_reveal_links WHERE token_sha256 = $1 FOR UPDATE',
        [tokenSha256(token)],
      );
      const link = rows[0];
      const refusal = this.refusalFor(link);
      if (refusal) return { kind: 'refused', refusal };
      const sealed = await tx.query<{ sealed: string; user_id: string }>(
        'SELECT sealed, user_id FROM notifier_sealed_passwords WHERE delivery_id = $1 FOR UPDATE',
        [link.delivery_id],
      );
      if (!sealed.rows[0]) return { kind: 'refused', refusal: 'EXPIRED' };
      const { rows: jobs } = await tx.query<{ correlation_id: string }>(
        'SELECT correlation_id FROM notifier_delivery_jobs WHERE job_id = $1',
        [link.delivery_id],
      );
      let password: string;
      try {
        ({ tempPassword: password } = await openSealedPassword(this.keys, sealed.rows[0].sealed, {
          deliveryId: link.delivery_id,
          userId: sealed.rows[0].user_id,
        }));
      } catch (error) {
        if (error instanceof EnvelopeUnreadableError) return { kind: 'refused', refusal: 'UNREADABLE' };
        throw error;
      }
      const now = this.clock.now();
      try {
        await this.stream.handle(
          link.delivery_id,
          { type: 'RevealPassword', now: now.toISOString() },
          {
            actor: NOTIFIER_ACTOR,
            correlationId: jobs[0]?.correlation_id ?? link.delivery_id,
            causationId: null,
          },
          tx,
        );
      } catch (error) {
        if (error instanceof RevealRefusedError) return { kind: 'refused', refusal: error.refusal };
        throw error;
      }
      await tx.query('UPDATE notifier_reveal_links SET viewed_at = $2 WHERE token_sha256 = $1', [
        tokenSha256(token),
        now,
      ]);
      await tx.query('DELETE FROM notifier_sealed_passwords WHERE delivery_id = $1', [link.delivery_id]);
      return { kind: 'revealed', password, expiresAt: link.expires_at.toISOString() };
    });
  }

  private refusalFor(link: LinkRow | undefined): RevealRefusal | null {
    if (!link) return 'UNKNOWN';
    if (link.viewed_at) return 'ALREADY_REVEALED';
    if (link.expires_at.getTime() <= this.clock.now().getTime()) return 'EXPIRED';
    return null;
  }
}
