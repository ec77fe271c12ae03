import type { ConsumedMessage } from '@lapse/shared';
import type {
  PasswordResetEmailFailedV1,
  PasswordResetEmailSentV1,
} from '@lapse/shared/contracts/notifier.v1';
import type { PoolClient } from 'pg';
import { writeAudit } from '../audit/audit-log';

/**
 * The notifier's outcome for an emailed reset link, in the System Log as Okta names it:
 * `system.email.password_reset.sent_message` (SUCCESS when handed to the mail relay, FAILURE with the reason).
 */
export async function auditResetLinkEmailOutcome(message: ConsumedMessage, tx: PoolClient): Promise<void> {
  const p = message.payload as PasswordResetEmailSentV1 | PasswordResetEmailFailedV1;
  const failed = 'reason' in p ? p : null;
  await writeAudit(tx, [
    {
      eventType: 'system.email.password_reset.sent_message',
      actor: { id: 'notifier', type: 'Service', displayName: 'notifier' },
      target: { id: p.userId, type: 'User', alternateId: null },
      outcome: failed ? 'FAILURE' : 'SUCCESS',
      reason: failed?.reason ?? null,
      correlationId: message.headers.correlationId,
      displayMessage: failed ? 'Password reset email not sent' : 'Password reset email sent',
      debugData: { deliveryId: p.deliveryId },
      published: failed ? failed.failedAt : (p as PasswordResetEmailSentV1).sentAt,
    },
  ]);
}
