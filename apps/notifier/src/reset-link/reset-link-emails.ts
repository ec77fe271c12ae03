import type { CommandBus } from '@nestjs/cqrs';
import { type CommandContext, Decide, factStreamDecider, type Queryable } from '@lapse/shared';
import { EnvelopeUnreadableError, type KeyRing } from '../keys/key-ring';
import { type ResetLinkEmailEvent, resetLinkEmailStreamId } from './reset-link-email.events';

/** What directory seals for the notifier when it asks for a reset link to be emailed (JWE plaintext). */
export interface SealedLinkContents {
  readonly resetPasswordUrl: string;
  readonly userId: string;
  readonly deliveryId: string;
  readonly expiresAt: string;
  /** Additive: the user asked for the link themselves (forgot password); absent on an admin's reset. */
  readonly selfService?: boolean;
}

/** Opens a sealed reset link and checks it belongs to the request it came with (else moved or tampered). */
export async function openSealedLink(
  keys: KeyRing,
  sealed: string,
  expected: { readonly deliveryId: string; readonly userId: string },
): Promise<SealedLinkContents> {
  let contents: Partial<SealedLinkContents>;
  try {
    contents = JSON.parse(await keys.open(sealed)) as Partial<SealedLinkContents>;
  } catch (error) {
    if (error instanceof EnvelopeUnreadableError) throw error;
    throw new EnvelopeUnreadableError('MALFORMED_PAYLOAD');
  }
  if (
    typeof contents !== 'object' ||
    contents === null ||
    typeof contents.resetPasswordUrl !== 'string' ||
    !/^https?:\/\//.test(contents.resetPasswordUrl) ||
    typeof contents.expiresAt !== 'string'
  ) {
    throw new EnvelopeUnreadableError('MALFORMED_PAYLOAD');
  }
  if (contents.userId !== expected.userId) throw new EnvelopeUnreadableError('USER_MISMATCH');
  if (contents.deliveryId !== expected.deliveryId) throw new EnvelopeUnreadableError('DELIVERY_MISMATCH');
  return contents as SealedLinkContents;
}

/** Sealed links waiting to be emailed; every write takes the caller's transaction. */
export const sealedLinks = {
  async store(
    tx: Queryable,
    link: { deliveryId: string; userId: string; sealed: string; expiresAt: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO notifier_sealed_links (delivery_id, user_id, sealed, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (delivery_id) DO NOTHING`,
      [link.deliveryId, link.userId, link.sealed, link.expiresAt],
    );
  },

  async find(tx: Queryable, deliveryId: string): Promise<string | null> {
    const { rows } = await tx.query<{ sealed: string }>(
      'SELECT sealed FROM notifier_sealed_links WHERE delivery_id = $1',
      [deliveryId],
    );
    return rows[0]?.sealed ?? null;
  },

  async delete(tx: Queryable, deliveryId: string): Promise<void> {
    await tx.query('DELETE FROM notifier_sealed_links WHERE delivery_id = $1', [deliveryId]);
  },
};

/** The `reset-link-email-<deliveryId>` stream holds its email's single outcome. */
export const resetLinkEmailDecider = factStreamDecider<ResetLinkEmailEvent>();

/**
 * Records a reset-link email's outcome as the single event of its stream (a new stream, so a second
 * outcome for the same delivery is a version conflict, never a duplicate); the publication turns it into
 * PasswordResetEmailSent / PasswordResetEmailFailed.
 */
export class ResetLinkEmailOutcomes {
  constructor(private readonly commandBus: Pick<CommandBus, 'execute'>) {}

  async record(tx: Queryable, event: ResetLinkEmailEvent, context: CommandContext): Promise<void> {
    await this.commandBus.execute(
      new Decide(
        resetLinkEmailDecider,
        resetLinkEmailStreamId(event.data.deliveryId),
        { type: 'RecordFact', event },
        context,
        { tx, newStream: true },
      ),
    );
  }
}
