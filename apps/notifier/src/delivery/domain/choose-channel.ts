import type { DeliveryChannel } from './delivery.events';

export type RequestedChannel = 'AUTO' | 'EMAIL' | 'VOICE';

export interface Reachability {
  readonly hasEmail: boolean;
  readonly hasPhone: boolean;
  /** The org allows voice delivery and a voice provider is configured. */
  readonly voiceAllowed: boolean;
}

/**
 * The channel a temporary password goes out on, or null when there is none: the administrator's choice
 * if the user can be reached that way; AUTO prefers the primary email, then voice when allowed.
 */
export function chooseChannel(requested: RequestedChannel, reach: Reachability): DeliveryChannel | null {
  const email = reach.hasEmail;
  const voice = reach.hasPhone && reach.voiceAllowed;
  switch (requested) {
    case 'EMAIL':
      return email ? 'EMAIL' : null;
    case 'VOICE':
      return voice ? 'VOICE' : null;
    case 'AUTO':
      return email ? 'EMAIL' : voice ? 'VOICE' : null;
  }
}
