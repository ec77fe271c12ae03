import { assertNever, type Decider } from '../event-sourcing/decider';
import type { DomainEvent } from '../event-sourcing/event';
import { DeciderSpecification } from './decider-specification';

type Counted = DomainEvent<'Counted', { by: number }>;
type Count = { type: 'Count'; by: number };
class TooMuch extends Error {}

const counter: Decider<Count, Counted, number> = {
  decide(command, total) {
    switch (command.type) {
      case 'Count':
        if (total + command.by > 3) throw new TooMuch('over three');
        return command.by === 0 ? [] : [{ type: 'Counted', schemaVersion: 1, data: { by: command.by } }];
      default:
        return assertNever(command.type);
    }
  },
  evolve: (total, event) => total + event.data.by,
  initialState: () => 0,
};
const counted = (by: number): Counted => ({ type: 'Counted', schemaVersion: 1, data: { by } });
const spec = DeciderSpecification.for(counter);

describe('DeciderSpecification', () => {
  it('decides the command against the folded history and compares the events', () => {
    spec
      .given([counted(1)])
      .when({ type: 'Count', by: 2 })
      .then([counted(2)]);
    expect(() =>
      spec
        .given([counted(1)])
        .when({ type: 'Count', by: 2 })
        .then([counted(1)]),
    ).toThrow();
  });

  it('states that nothing happened', () => {
    spec.given([]).when({ type: 'Count', by: 0 }).thenNothingHappened();
    expect(() => spec.given([]).when({ type: 'Count', by: 1 }).thenNothingHappened()).toThrow();
  });

  it('states a refusal by its error class, and fails when the command is not refused', () => {
    spec
      .given([counted(3)])
      .when({ type: 'Count', by: 1 })
      .thenThrows(TooMuch, (error) => {
        expect(error.message).toBe('over three');
      });
    expect(() => spec.given([]).when({ type: 'Count', by: 1 }).thenThrows(TooMuch)).toThrow(
      'expected the command to be refused',
    );
  });

  it('gives the state before and after for assertions on evolve', () => {
    const when = spec.given([counted(1), counted(1)]).when({ type: 'Count', by: 1 });
    expect(spec.given([counted(1), counted(1)]).state()).toBe(2);
    expect(when.stateAfter()).toBe(3);
  });
});
