import type { Decider } from '../event-sourcing/decider';
import type { DomainEvent } from '../event-sourcing/event';

/**
 * Given / when / then over events for a decider, after emmett's `DeciderSpecification`: history is stated
 * as the events already in the stream (never as commands replayed), the command is decided against their
 * fold, and the spec states the events it must produce or the refusal.
 *
 *   const spec = DeciderSpecification.for(userDecider);
 *   spec.given([created]).when({ type: 'SuspendUser', at }).then([statusChanged, revoked]);
 *   spec.given([]).when(suspend).thenThrows(NotFoundError);
 */
export const DeciderSpecification = {
  for<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) {
    return {
      given(history: readonly Event[]) {
        const state = (): State => history.reduce(decider.evolve, decider.initialState());
        return {
          /** The state the history folds to, for assertions on `evolve`. */
          state,
          when(command: Command) {
            const decide = () => decider.decide(command, state());
            return {
              /** The events decided, for assertions on part of them. */
              events: (): readonly Event[] => decide(),
              /** The state after the decided events. */
              stateAfter: (): State => decide().reduce(decider.evolve, state()),
              // biome-ignore lint/suspicious/noThenProperty: emmett's given/when/then; this object is never awaited
              then(expected: readonly Event[]): void {
                expect(decide()).toEqual(expected);
              },
              thenNothingHappened(): void {
                expect(decide()).toEqual([]);
              },
              /** Refused with an error of this class (and, when given, one that passes `check`). */
              thenThrows<E extends Error>(
                errorClass: new (...args: never[]) => E,
                check?: (error: E) => void,
              ): void {
                let thrown: unknown;
                try {
                  decide();
                } catch (error) {
                  thrown = error;
                }
                if (thrown === undefined) throw new Error('expected the command to be refused');
                expect(thrown).toBeInstanceOf(errorClass);
                check?.(thrown as E);
              },
            };
          },
        };
      },
    };
  },
};
