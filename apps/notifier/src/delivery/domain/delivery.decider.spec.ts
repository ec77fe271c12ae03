import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import { type DeliveryCommand, deliveryDecider, RevealRefusedError } from './delivery.decider';
import type {
  DeliveryFailed,
  DeliveryMode,
  DeliveryScheduled,
  DeliverySent,
  DiscardReason,
  SealedPasswordDiscarded,
  TemporaryPasswordRevealed,
} from './delivery.events';

const NOW = '2030-01-01T10:00:00.000Z';
const LATER = '2030-01-01T11:00:00.000Z';
const EXPIRES = '2030-01-02T10:00:00.000Z';
const ids = { deliveryId: 'd-1', userId: 'u-1' };
const spec = DeciderSpecification.for(deliveryDecider);

function schedule(
  overrides: Partial<Extract<DeliveryCommand, { type: 'ScheduleDelivery' }>> = {},
): DeliveryCommand {
  return {
    type: 'ScheduleDelivery',
    ...ids,
    requested: 'AUTO',
    reach: { hasEmail: true, hasPhone: false, voiceAllowed: false },
    emailMode: 'LINK',
    envelope: { readable: true },
    expiresAt: EXPIRES,
    now: NOW,
    ...overrides,
  };
}

// The stream's events, as the decider records them.
const scheduled = (mode: DeliveryMode = 'LINK'): DeliveryScheduled => ({
  type: 'DeliveryScheduled',
  schemaVersion: 1,
  data: { ...ids, channel: 'EMAIL', mode, expiresAt: EXPIRES, scheduledAt: NOW },
});
const sent = (attempts = 1): DeliverySent => ({
  type: 'DeliverySent',
  schemaVersion: 1,
  data: { ...ids, channel: 'EMAIL', attempts, sentAt: LATER },
});
const revealed: TemporaryPasswordRevealed = {
  type: 'TemporaryPasswordRevealed',
  schemaVersion: 1,
  data: { ...ids, revealedAt: LATER },
};
const discarded = (reason: DiscardReason, at = LATER): SealedPasswordDiscarded => ({
  type: 'SealedPasswordDiscarded',
  schemaVersion: 1,
  data: { ...ids, reason, discardedAt: at },
});
const failed = (data: Partial<DeliveryFailed['data']>): DeliveryFailed => ({
  type: 'DeliveryFailed',
  schemaVersion: 1,
  data: { ...ids, channel: 'EMAIL', reason: 'EXPIRED', attempts: 0, failedAt: NOW, ...data },
});

describe('scheduling a temporary password delivery', () => {
  it('picks the primary email when the administrator left the choice to Lapse', () => {
    spec
      .given([])
      .when(schedule())
      .then([scheduled('LINK')]);
  });

  it('falls back to voice for a user with only a phone when the org allows voice', () => {
    const [event] = spec
      .given([])
      .when(schedule({ reach: { hasEmail: false, hasPhone: true, voiceAllowed: true } }))
      .events();
    expect(event).toMatchObject({ type: 'DeliveryScheduled', data: { channel: 'VOICE', mode: 'INLINE' } });
  });

  it('uses voice when the administrator asks for it even if the user has an email', () => {
    const [event] = spec
      .given([])
      .when(schedule({ requested: 'VOICE', reach: { hasEmail: true, hasPhone: true, voiceAllowed: true } }))
      .events();
    expect(event.data).toMatchObject({ channel: 'VOICE' });
  });

  it.each([
    ['a user with no email and no phone', 'AUTO', { hasEmail: false, hasPhone: false, voiceAllowed: true }],
    [
      'a user with only a phone when the org does not allow voice',
      'AUTO',
      { hasEmail: false, hasPhone: true, voiceAllowed: false },
    ],
    [
      'an EMAIL request for a user without email',
      'EMAIL',
      { hasEmail: false, hasPhone: true, voiceAllowed: true },
    ],
    [
      'a VOICE request when voice is not allowed',
      'VOICE',
      { hasEmail: true, hasPhone: true, voiceAllowed: false },
    ],
  ] as const)('fails with NO_CHANNEL for %s', (_case, requested, reach) => {
    spec
      .given([])
      .when(schedule({ requested, reach }))
      .then([failed({ channel: null, reason: 'NO_CHANNEL', attempts: 0, failedAt: NOW })]);
  });

  it('fails with ENVELOPE_UNREADABLE and the reason when the envelope did not open', () => {
    spec
      .given([])
      .when(schedule({ envelope: { readable: false, detail: 'UNKNOWN_KEY_ID' } }))
      .then([failed({ channel: null, reason: 'ENVELOPE_UNREADABLE', detail: 'UNKNOWN_KEY_ID' })]);
  });

  it('fails with EXPIRED when the temporary password has already expired', () => {
    spec
      .given([])
      .when(schedule({ expiresAt: NOW }))
      .then([failed({ reason: 'EXPIRED', channel: 'EMAIL' })]);
  });

  it('ignores a repeated request for the same delivery', () => {
    spec.given([scheduled()]).when(schedule()).thenNothingHappened();
  });
});

describe('recording the outcome of sending', () => {
  it('keeps the sealed envelope after a link email is sent, until the link is viewed', () => {
    spec
      .given([scheduled('LINK')])
      .when({ type: 'RecordSent', attempts: 2, now: LATER })
      .then([sent(2)]);
  });

  it('discards the sealed envelope once an inline password is sent', () => {
    spec
      .given([scheduled('INLINE')])
      .when({ type: 'RecordSent', attempts: 1, now: LATER })
      .then([sent(1), discarded('SENT')]);
  });

  it('records a failure with its reason and attempts, and discards the envelope', () => {
    spec
      .given([scheduled()])
      .when({ type: 'RecordFailed', reason: 'SMTP_FAILED', attempts: 5, now: LATER })
      .then([
        failed({ reason: 'SMTP_FAILED', attempts: 5, channel: 'EMAIL', failedAt: LATER }),
        discarded('FAILED'),
      ]);
  });

  it('records a delivery once even if told twice', () => {
    const delivered = spec.given([scheduled(), sent()]);
    delivered.when({ type: 'RecordSent', attempts: 1, now: LATER }).thenNothingHappened();
    delivered
      .when({ type: 'RecordFailed', reason: 'SMTP_FAILED', attempts: 1, now: LATER })
      .thenNothingHappened();
  });
});

describe('revealing the temporary password behind a link', () => {
  const linkSent = [scheduled('LINK'), sent()];

  it('reveals it once and discards the envelope', () => {
    spec
      .given(linkSent)
      .when({ type: 'RevealPassword', now: LATER })
      .then([revealed, discarded('REVEALED')]);
  });

  it('refuses a second view', () => {
    spec
      .given([...linkSent, revealed, discarded('REVEALED')])
      .when({ type: 'RevealPassword', now: LATER })
      .thenThrows(RevealRefusedError, (error) => expect(error.refusal).toBe('ALREADY_REVEALED'));
  });

  it('refuses once the temporary password has expired', () => {
    spec.given(linkSent).when({ type: 'RevealPassword', now: EXPIRES }).thenThrows(RevealRefusedError);
  });

  it('refuses for a delivery that was never sent', () => {
    spec
      .given([scheduled()])
      .when({ type: 'RevealPassword', now: LATER })
      .thenThrows(RevealRefusedError, (error) => expect(error.refusal).toBe('NOT_SENT'));
  });
});

describe('when the temporary password expires', () => {
  it('discards the envelope of a sent link that was never viewed', () => {
    spec
      .given([scheduled('LINK'), sent()])
      .when({ type: 'ExpireSealedPassword', now: EXPIRES })
      .then([discarded('EXPIRED', EXPIRES)]);
  });

  it('fails a delivery that could not be sent in time', () => {
    spec
      .given([scheduled()])
      .when({ type: 'ExpireSealedPassword', now: EXPIRES })
      .then([failed({ reason: 'EXPIRED', failedAt: EXPIRES }), discarded('EXPIRED', EXPIRES)]);
  });

  it('does nothing for an envelope already discarded', () => {
    spec
      .given([scheduled('INLINE'), sent(), discarded('SENT')])
      .when({ type: 'ExpireSealedPassword', now: EXPIRES })
      .thenNothingHappened();
  });
});
