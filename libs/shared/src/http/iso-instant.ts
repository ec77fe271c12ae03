import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * `YYYY-MM-DD`, optionally `THH:mm`, `:ss`, a fraction and `Z` or `±HH:mm` / `±HHmm`: the ISO 8601 instants
 * Okta's query parameters and filters use. Week and ordinal dates, expanded years and 24:00 are not.
 */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/**
 * The instant `text` names, or null when it is not a strict ISO 8601 date or date-time, names an impossible
 * calendar date or time (`2021-02-31`, `25:00`, a `+15:00` offset), or falls outside years 1 to 9999 once
 * in UTC. JavaScript's `Date` rolls `2021-02-31` over to March 3rd and accepts year 0, which PostgreSQL
 * refuses; this accepts only what both read the same way. Without a zone the instant is in UTC (give it to
 * PostgreSQL as `toISOString()`, never the text, so its session time zone plays no part).
 */
export function parseIsoInstant(text: string): Date | null {
  const match = ISO_INSTANT.exec(text);
  if (!match) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zulu, sign, offH, offM] =
    match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  if (h > 23 || mi > 59 || s > 59) return null;
  let offsetMinutes = 0;
  if (sign && !zulu) {
    const [oh, om] = [Number(offH), Number(offM)];
    if (oh > 14 || om > 59) return null;
    offsetMinutes = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi - offsetMinutes, s, millis);
  const utcYear = date.getUTCFullYear();
  return utcYear >= 1 && utcYear <= 9999 ? date : null;
}

/** `parseIsoInstant` of a value the edge has already validated (`@IsIsoInstant`); throws if it was not. */
export function validatedInstant(text: string): Date {
  const instant = parseIsoInstant(text);
  if (!instant) throw new TypeError('an instant that @IsIsoInstant should have refused reached a handler');
  return instant;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A DTO field holding an instant `parseIsoInstant` accepts. */
export function IsIsoInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseIsoInstant(value) !== null,
        defaultMessage: () => '$property must be an ISO 8601 date-time with a real calendar date',
      },
    },
    options,
  );
}

/**
 * A DTO field holding a position cursor: decimal digits that fit PostgreSQL's `bigint` (at most 18, so
 * any value is below 2^63).
 */
export function IsPositionCursor(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPositionCursor',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && /^[0-9]{1,18}$/.test(value),
        defaultMessage: () => '$property must be a cursor from a previous page',
      },
    },
    options,
  );
}
