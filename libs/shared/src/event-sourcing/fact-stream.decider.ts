import { DomainError } from '../errors';
import type { Decider } from './decider';
import type { DomainEvent } from './event';

/** Record the fact the edge has established (an email's outcome, a sign-in attempt). */
export interface RecordFact<Event extends DomainEvent> {
  readonly type: 'RecordFact';
  readonly event: Event;
}

export type FactStreamState<Event extends DomainEvent> =
  | { readonly status: 'EMPTY' }
  | { readonly status: 'RECORDED'; readonly fact: Event };

export class FactAlreadyRecordedError extends DomainError {
  constructor() {
    super('E0000001', 'Api validation failed', ['The stream already holds its fact.']);
  }
}

/**
 * A stream that holds a single fact, decided at the edge and only recorded here: the outcome of one
 * reset-link email, one sign-in attempt. A second fact for the same stream is refused (and, appended as a
 * new stream without reading, is a version conflict on the store's unique index).
 */
export function factStreamDecider<Event extends DomainEvent>(): Decider<
  RecordFact<Event>,
  Event,
  FactStreamState<Event>
> {
  return {
    decide: (command, state) => {
      if (state.status === 'RECORDED') throw new FactAlreadyRecordedError();
      return [command.event];
    },
    evolve: (_state, event) => ({ status: 'RECORDED', fact: event }),
    initialState: () => ({ status: 'EMPTY' }),
  };
}
