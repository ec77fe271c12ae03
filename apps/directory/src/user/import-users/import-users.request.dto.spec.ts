import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { OKTA_VALIDATION, oktaValidationPipe } from '@lapse/shared/http/validation';
import { ImportUsersRequestDto } from './import-users.request.dto';

/** What the pipe answers: the body as the handler reads it, or the error's causes. */
async function outcome(pipe: ValidationPipe, body: unknown, metatype: ArgumentMetadata['metatype']) {
  try {
    const value = await pipe.transform(body, { type: 'body', metatype });
    return { ok: true, type: (value as object).constructor, value: JSON.parse(JSON.stringify(value)) };
  } catch (error) {
    return { ok: false, error: JSON.stringify(error) };
  }
}

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA';
const GROUP = '6f1c2b8e-3a4d-4e5f-8a9b-0c1d2e3f4a5b';
const user = (overrides: Record<string, unknown> = {}) => ({
  profile: { login: 'ada@example.com', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
  credentials: { password: { hash: { algorithm: 'ARGON2', value: HASH } } },
  ...overrides,
});
const profile = (fields: Record<string, unknown>) =>
  user({ profile: { login: 'ada@example.com', ...fields } });
const password = (fields: Record<string, unknown>) =>
  user({ credentials: { password: { hash: { algorithm: 'ARGON2', value: HASH }, ...fields } } });
const hash = (fields: Record<string, unknown>) =>
  user({ credentials: { password: { hash: { algorithm: 'ARGON2', value: HASH, ...fields } } } });
const long = (n: number) => 'x'.repeat(n);

const users: unknown[] = [
  user(),
  user({ groupIds: [GROUP, GROUP.toUpperCase()] }),
  user({ groupIds: [] }),
  user({ groupIds: Array.from({ length: 100 }, () => GROUP) }),
  user({ groupIds: Array.from({ length: 101 }, () => GROUP) }),
  user({ groupIds: ['not-a-uuid'] }),
  user({ groupIds: GROUP }),
  user({ groupIds: null }),
  user({ credentials: undefined }),
  user({ credentials: null }),
  user({ credentials: {} }),
  user({ credentials: { provider: { type: 'ACTIVE_DIRECTORY', name: 'corp.example' } } }),
  user({ credentials: { provider: { type: 'ACTIVE_DIRECTORY', name: long(101) } } }),
  user({ credentials: { provider: { type: 'KERBEROS' } } }),
  user({ credentials: { provider: { name: 'x' } } }),
  user({ credentials: { provider: null } }),
  user({ credentials: { password: null } }),
  user({ credentials: { password: { value: 'Plain-Text-1' } } }),
  user({ credentials: { recovery_question: {} } }),
  user({ profile: undefined }),
  user({ profile: null }),
  user({ profile: [] }),
  user({ profile: 'ada' }),
  user({ extra: true }),
  profile({}),
  profile({ login: '' }),
  profile({ login: long(100) }),
  profile({ login: long(101) }),
  profile({ login: '😀'.repeat(100) }),
  profile({ login: '😀'.repeat(101) }),
  profile({ login: 'a\uFE0F' }),
  profile({ login: '\uFE0F' }),
  profile({ login: 5 }),
  profile({ email: 'not an email' }),
  profile({ email: `${long(92)}@ex.com` }),
  profile({ email: `${long(94)}@ex.com` }),
  profile({ email: null }),
  profile({ secondEmail: 'second@example.com' }),
  profile({ secondEmail: 'second' }),
  profile({ firstName: long(50), lastName: long(50), displayName: long(100) }),
  profile({ firstName: long(51) }),
  profile({ lastName: long(51) }),
  profile({ displayName: long(101) }),
  profile({ firstName: 5 }),
  profile({ firstName: null, lastName: null, displayName: null }),
  profile({ mobilePhone: '+1 (555) 010-0199' }),
  profile({ mobilePhone: '555 ext. 12' }),
  profile({ mobilePhone: 5550100 }),
  profile({ mobilePhone: null }),
  profile({ nickName: 'Ada' }),
  password({ lastChanged: '2024-02-29T12:00:00Z' }),
  password({ lastChanged: '2023-02-29T12:00:00Z' }),
  password({ lastChanged: 'yesterday' }),
  password({ lastChanged: null }),
  password({ lastChanged: 1_700_000_000 }),
  password({ value: 'Plain-Text-1' }),
  user({ credentials: { password: { lastChanged: '2024-01-01' } } }),
  hash({ algorithm: 'BCRYPT' }),
  hash({ value: '$argon2id$v=19$m=1048576,t=2,p=1$c2FsdA$aGFzaA' }),
  hash({ value: '$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' }),
  hash({ value: `${HASH}${'A'.repeat(512)}` }),
  hash({ value: 7 }),
  hash({ salt: 'c2FsdA' }),
  user({ credentials: { password: { hash: null } } }),
  user({ credentials: { password: { hash: 'ARGON2' } } }),
  JSON.parse(`{"profile":{"login":"ada@example.com","__proto__":{"x":1}}}`),
  Object.assign(Object.create({ inherited: true }), user()),
  null,
  'ada@example.com',
  [user()],
];

const bodies: unknown[] = [
  ...users.map((one) => ({ users: [one] })),
  { users: [user(), profile({ login: 'grace@example.com' })] },
  { users: [user(), profile({ login: '' })] },
  { users: Array.from({ length: 1000 }, (_, index) => profile({ login: `user${index}@example.com` })) },
  { users: Array.from({ length: 1001 }, (_, index) => profile({ login: `user${index}@example.com` })) },
  { users: [] },
  { users: user() },
  { users: null },
  {},
  { users: [user()], dryRun: true },
  JSON.parse(`{"users":[],"__proto__":{"users":[]}}`),
  [user()],
  null,
];

describe('the body of POST /api/v1/users/import', () => {
  const fast = oktaValidationPipe();
  // The same options, without the fast path: class-validator for every body.
  const full = new ValidationPipe(OKTA_VALIDATION);

  it.each(bodies.map((body, index) => [index, body]))(
    'gets the same answer with or without the fast path (#%i)',
    async (_index, body) => {
      expect(await outcome(fast, body, ImportUsersRequestDto)).toEqual(
        await outcome(full, body, ImportUsersRequestDto),
      );
    },
  );

  it('takes the common import bodies without class-validator, and only valid ones', async () => {
    const common = [
      { users: [user()] },
      { users: [user({ groupIds: [GROUP] }), password({ lastChanged: '2024-02-29T12:00:00Z' })] },
      { users: [profile({ mobilePhone: '+1 555 0100', secondEmail: 'b@example.com', displayName: 'A' })] },
      { users: [user({ credentials: { provider: { type: 'LDAP', name: 'ldap.example' } } })] },
    ];
    for (const body of common) expect(ImportUsersRequestDto.accepts(body)).toBe(true);
    // Never a body class-validator refuses.
    for (const body of bodies)
      if (ImportUsersRequestDto.accepts(body))
        expect((await outcome(full, body, ImportUsersRequestDto)).ok).toBe(true);
  });
});
