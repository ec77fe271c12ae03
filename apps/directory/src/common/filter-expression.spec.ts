import { DomainError } from '@lapse/shared';
import { compileFilter, type FilterField } from './filter-expression';

const fields: Record<string, FilterField> = {
  status: { column: 'status', kind: 'text' },
  'profile.login': { column: 'login', kind: 'ci-text' },
  lastUpdated: { column: 'last_updated', kind: 'timestamp' },
};

describe('a filter expression', () => {
  it('compiles eq into a parameterised comparison', () => {
    expect(compileFilter('status eq "ACTIVE"', fields, 1)).toEqual({
      sql: 'status = $1',
      params: ['ACTIVE'],
    });
  });

  it('compiles and/or with parentheses, and binds tighter than or', () => {
    const compiled = compileFilter(
      'status eq "ACTIVE" or (status eq "LOCKED_OUT" and profile.login sw "Ad")',
      fields,
      3,
    );
    expect(compiled.sql).toBe('(status = $3 OR (status = $4 AND lower(login) LIKE $5))');
    expect(compiled.params).toEqual(['ACTIVE', 'LOCKED_OUT', 'ad%']);
  });

  it('compares timestamps', () => {
    expect(compileFilter('lastUpdated gt "2026-01-01T00:00:00.000Z"', fields, 1).sql).toBe(
      'last_updated > $1::timestamptz',
    );
  });

  it('gives PostgreSQL the instant in UTC, whatever offset the filter wrote', () => {
    expect(compileFilter('lastUpdated ge "2026-01-01T02:00:00+02:00"', fields, 1).params).toEqual([
      '2026-01-01T00:00:00.000Z',
    ]);
  });

  it.each([
    'status eq ACTIVE',
    'password eq "x"',
    'status eq "A" and',
    'status like "A"',
    '"x"',
    'lastUpdated gt "soon"',
    'lastUpdated gt "2020-02-31"',
    'lastUpdated gt "0000-01-01"',
    'lastUpdated gt "March 7, 2021"',
    'lastUpdated sw "2020"',
  ])('refuses %s as invalid search criteria (E0000001)', (source) => {
    expect(() => compileFilter(source, fields, 1)).toThrow(DomainError);
  });
});
