import { EnvelopeUnreadableError, type KeyRing } from './key-ring';

/** What directory seals for the notifier (JWE plaintext). */
export interface SealedPasswordContents {
  readonly tempPassword: string;
  readonly userId: string;
  readonly deliveryId: string;
  readonly expiresAt: string;
}

/**
 * Opens a sealed temporary password and checks it belongs to the delivery it came with: an envelope
 * whose user or delivery id differs from the event's was moved or tampered with.
 */
export async function openSealedPassword(
  keys: KeyRing,
  sealed: string,
  expected: { readonly deliveryId: string; readonly userId: string },
): Promise<SealedPasswordContents> {
  const text = await keys.open(sealed);
  let contents: Partial<SealedPasswordContents>;
  try {
    contents = JSON.parse(text) as Partial<SealedPasswordContents>;
  } catch {
    throw new EnvelopeUnreadableError('MALFORMED_PAYLOAD');
  }
  if (
    typeof contents !== 'object' ||
    contents === null ||
    typeof contents.tempPassword !== 'string' ||
    contents.tempPassword === '' ||
    typeof contents.expiresAt !== 'string'
  ) {
    throw new EnvelopeUnreadableError('MALFORMED_PAYLOAD');
  }
  if (contents.userId !== expected.userId) throw new EnvelopeUnreadableError('USER_MISMATCH');
  if (contents.deliveryId !== expected.deliveryId) throw new EnvelopeUnreadableError('DELIVERY_MISMATCH');
  return contents as SealedPasswordContents;
}
