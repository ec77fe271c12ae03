import { assertNever, type Decider } from '@lapse/shared/core';
import { chooseChannel, type Reachability, type RequestedChannel } from './choose-channel';
import type {
  DeliveryChannel,
  DeliveryEvent,
  DeliveryFailed,
  DeliveryFailureReason,
  DeliveryMode,
  SealedPasswordDiscarded,
} from './delivery.events';

export type DeliveryCommand =
  | {
      readonly type: 'ScheduleDelivery';
      readonly deliveryId: string;
      readonly userId: string;
      readonly requested: RequestedChannel;
      readonly reach: Reachability;
      /** Mode for email; voice always speaks the password. */
      readonly emailMode: DeliveryMode;
      /** Whether the sealed envelope opened and matched this delivery (checked at the edge). */
      readonly envelope: { readonly readable: true } | { readonly readable: false; readonly detail: string };
      readonly expiresAt: string;
      readonly now: string;
    }
  | { readonly type: 'RecordSent'; readonly attempts: number; readonly now: string }
  | {
      readonly type: 'RecordFailed';
      readonly reason: DeliveryFailureReason;
      readonly detail?: string;
      readonly attempts: number;
      readonly now: string;
    }
  | { readonly type: 'RevealPassword'; readonly now: string }
  | { readonly type: 'ExpireSealedPassword'; readonly now: string };

interface Known {
  readonly deliveryId: string;
  readonly userId: string;
  readonly channel: DeliveryChannel;
  readonly mode: DeliveryMode;
  readonly expiresAt: string;
}

export type DeliveryState =
  | { readonly status: 'Unknown' }
  | ({ readonly status: 'Scheduled' } & Known)
  | ({ readonly status: 'Sent'; readonly sealed: 'HELD' | 'DISCARDED'; readonly revealed: boolean } & Known)
  | {
      readonly status: 'Failed';
      readonly deliveryId: string;
      readonly userId: string;
      readonly reason: DeliveryFailureReason;
    };

export type RevealRefusal = 'UNKNOWN' | 'NOT_SENT' | 'ALREADY_REVEALED' | 'EXPIRED' | 'NOT_A_LINK';

/** A reveal the stream's history does not allow: the page says why, without any secret. */
export class RevealRefusedError extends Error {
  constructor(readonly refusal: RevealRefusal) {
    super(`Reveal refused: ${refusal}`);
    this.name = 'RevealRefusedError';
  }
}

function failed(
  state: { deliveryId: string; userId: string },
  channel: DeliveryChannel | null,
  reason: DeliveryFailureReason,
  attempts: number,
  now: string,
  detail?: string,
): DeliveryFailed {
  return {
    type: 'DeliveryFailed',
    schemaVersion: 1,
    data: {
      deliveryId: state.deliveryId,
      userId: state.userId,
      channel,
      reason,
      attempts,
      failedAt: now,
      ...(detail ? { detail } : {}),
    },
  };
}

function discarded(
  state: Known,
  reason: SealedPasswordDiscarded['data']['reason'],
  now: string,
): SealedPasswordDiscarded {
  return {
    type: 'SealedPasswordDiscarded',
    schemaVersion: 1,
    data: { deliveryId: state.deliveryId, userId: state.userId, reason, discardedAt: now },
  };
}

function decide(command: DeliveryCommand, state: DeliveryState): DeliveryEvent[] {
  switch (command.type) {
    case 'ScheduleDelivery': {
      // A delivery is requested once; a repeated request for the same delivery changes nothing.
      if (state.status !== 'Unknown') return [];
      if (!command.envelope.readable) {
        return [failed(command, null, 'ENVELOPE_UNREADABLE', 0, command.now, command.envelope.detail)];
      }
      const channel = chooseChannel(command.requested, command.reach);
      if (!channel) return [failed(command, null, 'NO_CHANNEL', 0, command.now)];
      if (Date.parse(command.expiresAt) <= Date.parse(command.now)) {
        return [failed(command, channel, 'EXPIRED', 0, command.now)];
      }
      return [
        {
          type: 'DeliveryScheduled',
          schemaVersion: 1,
          data: {
            deliveryId: command.deliveryId,
            userId: command.userId,
            channel,
            mode: channel === 'EMAIL' ? command.emailMode : 'INLINE',
            expiresAt: command.expiresAt,
            scheduledAt: command.now,
          },
        },
      ];
    }
    case 'RecordSent': {
      if (state.status !== 'Scheduled') return [];
      const sent = {
        type: 'DeliverySent' as const,
        schemaVersion: 1,
        data: {
          deliveryId: state.deliveryId,
          userId: state.userId,
          channel: state.channel,
          attempts: command.attempts,
          sentAt: command.now,
        },
      };
      // A link keeps the sealed envelope until it is viewed; a spoken or inline password is gone once sent.
      return state.mode === 'LINK' ? [sent] : [sent, discarded(state, 'SENT', command.now)];
    }
    case 'RecordFailed': {
      if (state.status !== 'Scheduled') return [];
      return [
        failed(state, state.channel, command.reason, command.attempts, command.now, command.detail),
        discarded(state, 'FAILED', command.now),
      ];
    }
    case 'RevealPassword': {
      if (state.status === 'Unknown') throw new RevealRefusedError('UNKNOWN');
      if (state.status !== 'Sent')
        throw new RevealRefusedError(state.status === 'Failed' ? 'EXPIRED' : 'NOT_SENT');
      if (state.mode !== 'LINK') throw new RevealRefusedError('NOT_A_LINK');
      if (state.revealed) throw new RevealRefusedError('ALREADY_REVEALED');
      if (state.sealed === 'DISCARDED' || Date.parse(state.expiresAt) <= Date.parse(command.now)) {
        throw new RevealRefusedError('EXPIRED');
      }
      return [
        {
          type: 'TemporaryPasswordRevealed',
          schemaVersion: 1,
          data: { deliveryId: state.deliveryId, userId: state.userId, revealedAt: command.now },
        },
        discarded(state, 'REVEALED', command.now),
      ];
    }
    case 'ExpireSealedPassword': {
      if (state.status === 'Scheduled') {
        return [
          failed(state, state.channel, 'EXPIRED', 0, command.now),
          discarded(state, 'EXPIRED', command.now),
        ];
      }
      if (state.status === 'Sent' && state.sealed === 'HELD')
        return [discarded(state, 'EXPIRED', command.now)];
      return [];
    }
    default:
      return assertNever(command, 'delivery command');
  }
}

function evolve(state: DeliveryState, event: DeliveryEvent): DeliveryState {
  switch (event.type) {
    case 'DeliveryScheduled':
      return { status: 'Scheduled', ...event.data };
    case 'DeliverySent':
      return state.status === 'Scheduled'
        ? { ...state, status: 'Sent', sealed: 'HELD', revealed: false }
        : state;
    case 'DeliveryFailed':
      return {
        status: 'Failed',
        deliveryId: event.data.deliveryId,
        userId: event.data.userId,
        reason: event.data.reason,
      };
    case 'TemporaryPasswordRevealed':
      return state.status === 'Sent' ? { ...state, revealed: true } : state;
    case 'SealedPasswordDiscarded':
      return state.status === 'Sent' ? { ...state, sealed: 'DISCARDED' } : state;
    default:
      return assertNever(event, 'delivery event');
  }
}

export const deliveryDecider: Decider<DeliveryCommand, DeliveryEvent, DeliveryState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'Unknown' }),
};
