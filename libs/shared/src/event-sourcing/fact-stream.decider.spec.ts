import { DeciderSpecification } from '../testing/decider-specification';
import type { DomainEvent } from './event';
import { FactAlreadyRecordedError, factStreamDecider } from './fact-stream.decider';

type Outcome = DomainEvent<'EmailSent', { readonly deliveryId: string }>;
const sent: Outcome = { type: 'EmailSent', schemaVersion: 1, data: { deliveryId: 'd-1' } };
const spec = DeciderSpecification.for(factStreamDecider<Outcome>());

describe('a stream that holds a single fact', () => {
  it('records the fact when the stream is empty', () => {
    spec.given([]).when({ type: 'RecordFact', event: sent }).then([sent]);
  });

  it('refuses a second fact', () => {
    spec.given([sent]).when({ type: 'RecordFact', event: sent }).thenThrows(FactAlreadyRecordedError);
  });
});
