import { parseIsoInstant } from './iso-instant';

describe('a strict ISO 8601 instant', () => {
  it.each([
    ['2021-02-28', '2021-02-28T00:00:00.000Z'],
    ['2020-02-29T12:30:00Z', '2020-02-29T12:30:00.000Z'],
    ['2026-01-01T00:00:00.123456Z', '2026-01-01T00:00:00.123Z'],
    ['2026-01-01T01:00:00+01:00', '2026-01-01T00:00:00.000Z'],
    ['2026-01-01T00:00-0130', '2026-01-01T01:30:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['2026-06-01T10:00:00', '2026-06-01T10:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseIsoInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['an impossible day', '2021-02-31'],
    ['February 29th of a common year', '2021-02-29'],
    ['February 29th of a century that is not a leap year', '1900-02-29'],
    ['month 13', '2021-13-01'],
    ['day 0', '2021-01-00'],
    ['hour 24', '2021-01-01T24:00:00Z'],
    ['minute 60', '2021-01-01T10:60:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['year 0, which PostgreSQL refuses', '0000-06-01'],
    ['year 1 pushed to year 0 by its offset', '0001-01-01T00:00:00+01:00'],
    ['year 9999 pushed to 10000 by its offset', '9999-12-31T23:30:00-01:00'],
    ['an expanded year', '+012021-01-01'],
    ['an offset beyond 14 hours', '2021-01-01T00:00:00+15:00'],
    ['a week date', '2021-W01-1'],
    ['an ordinal date', '2021-045'],
    ['text Date.parse reads', 'March 7, 2021'],
    ['trailing text', '2021-01-01Tnow'],
  ])('refuses %s (%s)', (_what, text) => {
    expect(parseIsoInstant(text)).toBeNull();
  });
});
