import { publishedContracts } from '../contracts/registry';
import { ContractRegistry } from './contract-registry';

describe('the contract registry', () => {
  const registry = new ContractRegistry().register('Counted', 1, (payload) =>
    typeof (payload as { n?: unknown })?.n === 'number' ? null : 'n must be a number',
  );

  it('accepts a known type and version with a valid payload', () => {
    expect(registry.problemWith('Counted', 1, { n: 1 })).toBeNull();
  });

  it('names what is wrong with an unknown type, an unknown version or a bad payload', () => {
    expect(registry.problemWith('Nope', 1, {})).toBe('UNKNOWN_EVENT_TYPE: Nope');
    expect(registry.problemWith('Counted', 2, { n: 1 })).toBe('UNKNOWN_SCHEMA_VERSION: Counted v2');
    expect(registry.problemWith('Counted', 1, { n: 'one' })).toBe('INVALID_PAYLOAD: n must be a number');
    expect(registry.problemWith(undefined, 1, {})).toBe('MISSING_EVENT_TYPE');
  });

  it('knows every published Lapse contract at version 1', () => {
    const published = publishedContracts();
    for (const type of [
      'UserCreated',
      'PasswordExpired',
      'BulkPasswordExpiryStarted',
      'CredentialStateChanged',
      'TemporaryPasswordDelivered',
    ]) {
      expect(published.knows(type)).toBe(true);
    }
    expect(published.problemWith('PasswordExpired', 1, { userId: 'u' })).toMatch(
      /^INVALID_PAYLOAD: missing cause, expiredAt/,
    );
  });
});
