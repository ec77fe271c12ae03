import { fold } from '@lapse/shared/core';
import { type DeliveryCommand, deliveryDecider, RevealRefusedError } from './delivery.decider';
import type { DeliveryEvent } from './delivery.events';

const NOW = '2030-01-01T10:00:00.000Z';
const LATER = '2030-01-01T11:00:00.000Z';
const EXPIRES = '2030-01-02T10:00:00.000Z';
const ids = { deliveryId: 'd-1', userId: 'u-1' };

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

function given(...commands: DeliveryCommand[]): DeliveryEvent[] {
  const events: DeliveryEvent[] = [];
  for (const command of commands)
    events.push(...deliveryDecider.decide(command, fold(deliveryDecider, events)));
  return events;
}

function when(history: DeliveryEvent[], command: DeliveryCommand): DeliveryEvent[] {
  return [...deliveryDecider.decide(command, fold(deliveryDecider, history))];
}

const types = (events: DeliveryEvent[]) => events.map((event) => event.type);

describe('scheduling a temporary password delivery', () => {
  it('picks the primary email when the administrator left the choice to Lapse', () => {
    const [event] = when([], schedule());
    expect(event).toMatchObject({
      type: 'DeliveryScheduled',
      data: { channel: 'EMAIL', mode: 'LINK', expiresAt: EXPIRES },
    });
  });

  it('falls back to voice for a user with only a phone when the org allows voice', () => {
    const [event] = when([], schedule({ reach: { hasEmail: false, hasPhone: true, voiceAllowed: true } }));
    expect(event).toMatchObject({ type: 'DeliveryScheduled', data: { channel: 'VOICE', mode: 'INLINE' } });
  });

  it('uses voice when the administrator asks for it even if the user has an email', () => {
    const [event] = when(
      [],
      schedule({ requested: 'VOICE', reach: { hasEmail: true, hasPhone: true, voiceAllowed: true } }),
    );
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
    const events = when([], schedule({ requested, reach }));
    expect(events).toEqual([
      {
        type: 'DeliveryFailed',
        schemaVersion: 1,
        data: { ...ids, channel: null, reason: 'NO_CHANNEL', attempts: 0, failedAt: NOW },
      },
    ]);
  });

  it('fails with ENVELOPE_UNREADABLE and the reason when the envelope did not open', () => {
    const [event] = when([], schedule({ envelope: { readable: false, detail: 'UNKNOWN_KEY_ID' } }));
    expect(event).toMatchObject({
      type: 'DeliveryFailed',
      data: { reason: 'ENVELOPE_UNREADABLE', detail: 'UNKNOWN_KEY_ID' },
    });
  });

  it('fails with EXPIRED when the temporary password has already expired', () => {
    const [event] = when([], schedule({ expiresAt: NOW }));
    expect(event).toMatchObject({ type: 'DeliveryFailed', data: { reason: 'EXPIRED', channel: 'EMAIL' } });
  });

  it('ignores a repeated request for the same delivery', () => {
    expect(when(given(schedule()), schedule())).toEqual([]);
  });
});

describe('recording the outcome of sending', () => {
  it('keeps the sealed envelope after a link email is sent, until the link is viewed', () => {
    expect(types(when(given(schedule()), { type: 'RecordSent', attempts: 2, now: LATER }))).toEqual([
      'DeliverySent',
    ]);
  });

  it('discards the sealed envelope once an inline password is sent', () => {
    const history = given(schedule({ emailMode: 'INLINE' }));
    const events = when(history, { type: 'RecordSent', attempts: 1, now: LATER });
    expect(types(events)).toEqual(['DeliverySent', 'SealedPasswordDiscarded']);
    expect(events[1].data).toMatchObject({ reason: 'SENT' });
  });

  it('records a failure with its reason and attempts, and discards the envelope', () => {
    const events = when(given(schedule()), {
      type: 'RecordFailed',
      reason: 'SMTP_FAILED',
      attempts: 5,
      now: LATER,
    });
    expect(events[0]).toMatchObject({
      type: 'DeliveryFailed',
      data: { reason: 'SMTP_FAILED', attempts: 5, channel: 'EMAIL' },
    });
    expect(types(events)).toEqual(['DeliveryFailed', 'SealedPasswordDiscarded']);
  });

  it('records a delivery once even if told twice', () => {
    const history = given(schedule(), { type: 'RecordSent', attempts: 1, now: LATER });
    expect(when(history, { type: 'RecordSent', attempts: 1, now: LATER })).toEqual([]);
    expect(when(history, { type: 'RecordFailed', reason: 'SMTP_FAILED', attempts: 1, now: LATER })).toEqual(
      [],
    );
  });
});

describe('revealing the temporary password behind a link', () => {
  const sent = () => given(schedule(), { type: 'RecordSent', attempts: 1, now: LATER });

  it('reveals it once and discards the envelope', () => {
    const events = when(sent(), { type: 'RevealPassword', now: LATER });
    expect(types(events)).toEqual(['TemporaryPasswordRevealed', 'SealedPasswordDiscarded']);
    expect(events[1].data).toMatchObject({ reason: 'REVEALED' });
  });

  it('refuses a second view', () => {
    const history = [...sent(), ...when(sent(), { type: 'RevealPassword', now: LATER })];
    expect(() => when(history, { type: 'RevealPassword', now: LATER })).toThrow(
      expect.objectContaining({ refusal: 'ALREADY_REVEALED' }),
    );
  });

  it('refuses once the temporary password has expired', () => {
    expect(() => when(sent(), { type: 'RevealPassword', now: EXPIRES })).toThrow(RevealRefusedError);
  });

  it('refuses for a delivery that was never sent', () => {
    expect(() => when(given(schedule()), { type: 'RevealPassword', now: LATER })).toThrow(
      expect.objectContaining({ refusal: 'NOT_SENT' }),
    );
  });
});

describe('when the temporary password expires', () => {
  it('discards the envelope of a sent link that was never viewed', () => {
    const history = given(schedule(), { type: 'RecordSent', attempts: 1, now: LATER });
    const events = when(history, { type: 'ExpireSealedPassword', now: EXPIRES });
    expect(events).toEqual([
      {
        type: 'SealedPasswordDiscarded',
        schemaVersion: 1,
        data: { ...ids, reason: 'EXPIRED', discardedAt: EXPIRES },
      },
    ]);
  });

  it('fails a delivery that could not be sent in time', () => {
    const events = when(given(schedule()), { type: 'ExpireSealedPassword', now: EXPIRES });
    expect(types(events)).toEqual(['DeliveryFailed', 'SealedPasswordDiscarded']);
    expect(events[0].data).toMatchObject({ reason: 'EXPIRED' });
  });

  it('does nothing for an envelope already discarded', () => {
    const history = given(schedule({ emailMode: 'INLINE' }), { type: 'RecordSent', attempts: 1, now: LATER });
    expect(when(history, { type: 'ExpireSealedPassword', now: EXPIRES })).toEqual([]);
  });
});
