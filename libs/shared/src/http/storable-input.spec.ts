import { DomainError } from '../errors';
import type { NextFunction, Request, Response } from 'express';
import { checkStorableInput, MAX_BODY_DEPTH, refuseUnstorableInput, unstorableText } from './storable-input';

function refusal(request: Parameters<typeof checkStorableInput>[0]): DomainError {
  try {
    checkStorableInput(request);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('text PostgreSQL can store', () => {
  it.each([
    ['plain text', 'ada@example.com'],
    ['letters outside the Basic Multilingual Plane (a surrogate pair)', 'ada\u{1F600}@example.com'],
    ['accented and CJK letters', 'Åda 日本'],
  ])('accepts %s', (_what, text) => {
    expect(unstorableText(text)).toBeNull();
  });

  it.each([
    ['a NUL', 'ada\u0000@example.com'],
    ['a lone high surrogate', 'ada\ud800'],
    ['a lone low surrogate', '\udc00ada'],
    ['a reversed pair', '\udc00\ud800'],
  ])('refuses %s', (_what, text) => {
    expect(unstorableText(text)).not.toBeNull();
  });
});

describe('a request checked at the edge', () => {
  it('passes a request of storable text', () => {
    expect(() =>
      checkStorableInput({
        params: { id: 'ada@example.com' },
        query: { q: 'ad', limit: '5', tag: ['a', 'b'] },
        body: { profile: { login: 'ada@example.com', tags: ['x', 1, null, true] } },
      }),
    ).not.toThrow();
  });

  it('answers 404 for a path parameter that cannot name anything', () => {
    expect(refusal({ params: { id: 'a\u0000b' } }).code).toBe('E0000007');
  });

  it('names each query and body field that cannot be stored, never their values', () => {
    const error = refusal({
      query: { q: 'a\u0000', filter: ['ok', 'x\ud800'] },
      body: { profile: { firstName: 'A\u0000da', login: 'fine' }, username: '\udfff' },
    });
    expect(error.code).toBe('E0000001');
    expect(error.causes).toEqual([
      'filter.1: must be well-formed Unicode text (no unpaired surrogate)',
      'q: must not contain a NUL character',
      'profile.firstName: must not contain a NUL character',
      'username: must be well-formed Unicode text (no unpaired surrogate)',
    ]);
  });

  it('refuses a field name that cannot be stored', () => {
    const error = refusal({ body: { profile: { 'nick\u0000name': 'x' } } });
    expect(error.causes).toEqual(['profile: a field name must not contain a NUL character']);
  });

  it(`accepts a body nested ${MAX_BODY_DEPTH} levels deep`, () => {
    expect(() => checkStorableInput({ body: nested(MAX_BODY_DEPTH) })).not.toThrow();
  });

  it('refuses a body nested 5,000 deep as not well-formed (E0000003), without exhausting the stack', () => {
    expect(refusal({ body: nested(5000) }).code).toBe('E0000003');
  });

  it('counts arrays as levels too', () => {
    let value: unknown = [];
    for (let i = 0; i < MAX_BODY_DEPTH + 1; i++) value = [value];
    expect(refusal({ body: value }).code).toBe('E0000003');
  });
});

describe('the check as middleware, before routing', () => {
  /** What the middleware passed on: undefined to go on, else the refusal. */
  function passedOn(request: { path: string; url?: string; query?: unknown; body?: unknown }): unknown {
    let passed: unknown = 'not called';
    const next: NextFunction = (error?: unknown) => {
      passed = error;
    };
    refuseUnstorableInput({ url: request.path, ...request } as Request, {} as Response, next);
    return passed;
  }

  it('lets a request of storable text through, percent-encoded path segments and all', () => {
    expect(passedOn({ path: '/api/v1/users/ada%40example.com', body: { profile: { login: 'ada' } } })).toBe(
      undefined,
    );
    expect(passedOn({ path: '/api/v1/users', url: '/api/v1/users?q=ad', query: { q: 'ad' } })).toBe(
      undefined,
    );
  });

  it.each([
    ['a NUL', '/api/v1/users/a%00b'],
    ['a NUL in a later segment', '/api/v1/sessions/%00/lifecycle/refresh'],
    ['an encoded slash beside a NUL', '/api/v1/users/a%2F%00'],
  ])('answers 404 E0000007 for %s in the path, which can name nothing', (_what, path) => {
    expect((passedOn({ path }) as DomainError).code).toBe('E0000007');
  });

  it('leaves a segment that does not decode to the router', () => {
    expect(passedOn({ path: '/api/v1/users/%E0%A4%A' })).toBe(undefined);
  });

  it('refuses unstorable text in the query and the body with the fields named', () => {
    const refused = passedOn({
      path: '/api/v1/users',
      url: '/api/v1/users?q=x',
      query: { q: 'a\u0000' },
      body: { username: '\ud800' },
    }) as DomainError;
    expect(refused.code).toBe('E0000001');
    expect(refused.causes).toEqual([
      'q: must not contain a NUL character',
      'username: must be well-formed Unicode text (no unpaired surrogate)',
    ]);
  });

  it('refuses a body nested too deep (E0000003)', () => {
    expect((passedOn({ path: '/api/v1/authn', body: nested(5000) }) as DomainError).code).toBe('E0000003');
  });
});
