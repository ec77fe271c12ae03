import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { OKTA_VALIDATION, oktaValidationPipe } from '@lapse/shared/http/validation';
import { CreateSessionRequestDto } from '../sessions/session.request.dto';
import { AuthnRequestDto } from './authn.request.dto';

/** What the full pipe answers, fast path or not: the transformed body, or the error's causes. */
async function outcome(pipe: ValidationPipe, body: unknown, metatype: ArgumentMetadata['metatype']) {
  try {
    const value = await pipe.transform(body, { type: 'body', metatype });
    return { ok: true, type: (value as object).constructor, value: { ...(value as object) } };
  } catch (error) {
    return { ok: false, error: JSON.stringify(error) };
  }
}

const long = (n: number) => 'x'.repeat(n);
const bodies: unknown[] = [
  { username: 'ada@example.com', password: 'Correct-Horse-7' },
  { sessionToken: 'abc' },
  { username: long(1024), password: long(1024) },
  { username: long(1025), password: 'p' },
  { username: 'a', password: long(1025) },
  { username: '😀'.repeat(512), password: 'p' },
  { username: '😀'.repeat(513), password: 'p' },
  { username: '', password: 'p' },
  { username: 'a', password: '' },
  { username: 'a' },
  { password: 'p' },
  { username: 'a', password: 'p', extra: 1 },
  { username: 'a', password: 'p', sessionToken: 't' },
  { username: 1, password: 'p' },
  { username: 'a', password: null },
  { username: 'a', password: 'p', options: { warnBeforePasswordExpired: true } },
  { username: 'a', password: 'p', context: { deviceToken: 'd' } },
  { sessionToken: '' },
  { sessionToken: long(257) },
  { sessionToken: 5 },
  JSON.parse('{"username":"a","password":"p","__proto__":{"x":1}}'),
  Object.assign(Object.create({ inherited: true }), { username: 'a', password: 'p' }),
  ['a', 'p'],
  {},
  null,
  'username=a',
];

describe.each([
  ['POST /api/v1/sessions', CreateSessionRequestDto],
  ['POST /api/v1/authn', AuthnRequestDto],
])('the body of %s', (_route, dto) => {
  const fast = oktaValidationPipe();
  // The same options, without the fast path: class-validator for every body.
  const full = new ValidationPipe(OKTA_VALIDATION);

  it.each(bodies.map((body, index) => [index, body]))(
    'gets the same answer with or without the fast path (#%i)',
    async (_index, body) => {
      expect(await outcome(fast, body, dto)).toEqual(await outcome(full, body, dto));
    },
  );

  it('takes the common sign-in body without class-validator', () => {
    expect(dto.accepts({ username: 'ada@example.com', password: 'Correct-Horse-7' })).toBe(true);
  });
});
