import type { Logger } from '@lapse/shared';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';

/**
 * The permanent hostile-input table (issue #13, item 4): every input that once reached a 500, and those
 * found with them, against the real all-in-one app over HTTP. Each answers a 4xx in Okta's error envelope
 * and logs no "unhandled error".
 */

type Auth = 'none' | 'admin' | 'service';

interface Case {
  readonly name: string;
  readonly method: string;
  /** `{user}` is replaced by a real user's id. Percent-encoding is sent as written. */
  readonly path: string;
  readonly auth: Auth;
  /** A JSON value, or raw text sent with `contentType`. */
  readonly body?: unknown;
  readonly raw?: string;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
  /** A cause the answer names (the field), when there is one to name. */
  readonly cause?: RegExp;
}

const NUL = '\u0000';
const LONE = '\ud800';
const DEEP = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
const DEEP_ARRAY = `${'['.repeat(5000)}${']'.repeat(5000)}`;
const CURSOR = '12345678901234567890123456';
const FORM = 'application/x-www-form-urlencoded';
const q = encodeURIComponent;

const newUser = (
  profile: Record<string, unknown>,
  password: Record<string, unknown> = { value: 'Correct-Horse-7' },
) => ({
  profile: {
    login: 'hostile@example.com',
    email: 'hostile@example.com',
    firstName: 'H',
    lastName: 'I',
    ...profile,
  },
  credentials: { password },
});

const HASH = '$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const imported = (profile: Record<string, unknown>, lastChanged?: string) => ({
  users: [
    {
      profile: { login: 'imported@example.com', email: 'imported@example.com', ...profile },
      credentials: { password: { hash: { algorithm: 'ARGON2', value: HASH }, lastChanged } },
    },
  ],
});

const CASES: readonly Case[] = [
  // NUL bytes: PostgreSQL refuses them in text.
  {
    name: 'a NUL in the authn username',
    method: 'POST',
    path: '/api/v1/authn',
    auth: 'none',
    body: { username: `ada${NUL}@example.com`, password: 'x' },
    status: 400,
    code: 'E0000001',
    cause: /^username: /,
  },
  {
    name: 'a NUL in the sessions username',
    method: 'POST',
    path: '/api/v1/sessions',
    auth: 'none',
    body: { username: `ada${NUL}`, password: 'x' },
    status: 400,
    code: 'E0000001',
    cause: /^username: /,
  },
  {
    name: 'a NUL in a form-encoded sessions username',
    method: 'POST',
    path: '/api/v1/sessions',
    auth: 'none',
    raw: 'username=ada%00&password=x',
    contentType: FORM,
    status: 400,
    code: 'E0000001',
    cause: /^username: /,
  },
  {
    name: 'a NUL in a form-encoded authn username',
    method: 'POST',
    path: '/api/v1/authn',
    auth: 'none',
    raw: 'username=%00&password=x',
    contentType: FORM,
    status: 400,
    code: 'E0000001',
    cause: /^username: /,
  },
  {
    name: 'a NUL in the authn password',
    method: 'POST',
    path: '/api/v1/authn',
    auth: 'none',
    body: { username: 'ada@example.com', password: `x${NUL}` },
    status: 400,
    code: 'E0000001',
    cause: /^password: /,
  },
  {
    name: 'a NUL in a state token',
    method: 'POST',
    path: '/api/v1/authn/skip',
    auth: 'none',
    body: { stateToken: NUL },
    status: 400,
    code: 'E0000001',
    cause: /^stateToken: /,
  },
  {
    name: 'a NUL in a state token (change password)',
    method: 'POST',
    path: '/api/v1/authn/credentials/change_password',
    auth: 'none',
    body: { stateToken: NUL, oldPassword: 'a', newPassword: 'b' },
    status: 400,
    code: 'E0000001',
  },
  {
    name: 'a NUL in a recovery token',
    method: 'POST',
    path: '/api/v1/authn/recovery/token',
    auth: 'none',
    body: { recoveryToken: `x${NUL}` },
    status: 400,
    code: 'E0000001',
    cause: /^recoveryToken: /,
  },
  {
    name: 'a NUL in a session token',
    method: 'POST',
    path: '/api/v1/sessions',
    auth: 'none',
    body: { sessionToken: `x${NUL}` },
    status: 400,
    code: 'E0000001',
    cause: /^sessionToken: /,
  },
  {
    name: 'a NUL in q',
    method: 'GET',
    path: `/api/v1/users?q=${q(`ad${NUL}`)}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^q: /,
  },
  {
    name: 'a NUL in filter',
    method: 'GET',
    path: `/api/v1/users?filter=${q(`profile.login eq "a${NUL}"`)}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^filter: /,
  },
  {
    name: 'a NUL in search',
    method: 'GET',
    path: `/api/v1/users?search=${q(`status eq "A${NUL}"`)}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^search: /,
  },
  {
    name: 'a NUL in a logs q',
    method: 'GET',
    path: `/api/v1/logs?q=${q(NUL)}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^q: /,
  },
  {
    name: 'a NUL in a logs filter',
    method: 'GET',
    path: `/api/v1/logs?filter=${q(`eventType eq "${NUL}"`)}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^filter: /,
  },
  {
    name: 'a NUL in a query parameter name',
    method: 'GET',
    path: '/api/v1/users?%00=1',
    auth: 'admin',
    status: 400,
    code: 'E0000001',
  },
  {
    name: 'a NUL as a user id',
    method: 'GET',
    path: '/api/v1/users/%00',
    auth: 'admin',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL in a login in the path',
    method: 'GET',
    path: '/api/v1/users/ada%00%40example.com',
    auth: 'admin',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL in the path of an update',
    method: 'POST',
    path: '/api/v1/users/%00',
    auth: 'admin',
    body: { profile: { firstName: 'A' } },
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL in the path of a replace',
    method: 'PUT',
    path: '/api/v1/users/%00',
    auth: 'admin',
    body: newUser({}),
    status: 404,
    code: 'E0000007',
  },
  ...[
    'expire_password',
    'expire_password_with_temp_password',
    'reset_password',
    'unlock',
    'activate',
    'suspend',
    'unsuspend',
    'deactivate',
  ].map(
    (step): Case => ({
      name: `a NUL in the id of lifecycle/${step}`,
      method: 'POST',
      path: `/api/v1/users/a%00b/lifecycle/${step}`,
      auth: 'admin',
      status: 404,
      code: 'E0000007',
    }),
  ),
  {
    name: 'a NUL in the id of change_password',
    method: 'POST',
    path: '/api/v1/users/%00/credentials/change_password',
    auth: 'admin',
    body: { oldPassword: { value: 'a' }, newPassword: { value: 'b' } },
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL in the user id of a sessions clear',
    method: 'DELETE',
    path: '/api/v1/users/%00/sessions',
    auth: 'admin',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL as a session id',
    method: 'GET',
    path: '/api/v1/sessions/%00',
    auth: 'none',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL as a session id to end',
    method: 'DELETE',
    path: '/api/v1/sessions/x%00',
    auth: 'none',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL as a session id to refresh',
    method: 'POST',
    path: '/api/v1/sessions/%00/lifecycle/refresh',
    auth: 'none',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL as a bulk job id',
    method: 'GET',
    path: '/api/v1/jobs/%00',
    auth: 'admin',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL as an API token id',
    method: 'DELETE',
    path: '/api/v1/api-tokens/%00',
    auth: 'admin',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL as a reveal token',
    method: 'GET',
    path: '/notifier/reveal/%00',
    auth: 'none',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL in a profile field on create',
    method: 'POST',
    path: '/api/v1/users?activate=true',
    auth: 'admin',
    body: newUser({ firstName: `A${NUL}da` }),
    status: 400,
    code: 'E0000001',
    cause: /^profile\.firstName: /,
  },
  // Checked before the credentials (libs/shared/src/http/storable-input.ts): the answer depends only on the
  // request's own text, so it is the same with no token or a wrong one.
  {
    name: 'a NUL in a profile field on create, with no credentials',
    method: 'POST',
    path: '/api/v1/users?activate=true',
    auth: 'none',
    body: newUser({ firstName: `A${NUL}da` }),
    status: 400,
    code: 'E0000001',
    cause: /^profile\.firstName: /,
  },
  {
    name: 'a NUL as a user id, with no credentials',
    method: 'GET',
    path: '/api/v1/users/%00',
    auth: 'none',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL in the login on create',
    method: 'POST',
    path: '/api/v1/users?activate=true',
    auth: 'admin',
    body: newUser({ login: `a${NUL}@example.com` }),
    status: 400,
    code: 'E0000001',
    cause: /^profile\.login: /,
  },
  {
    name: 'a NUL in a profile field name on create',
    method: 'POST',
    path: '/api/v1/users?activate=true',
    auth: 'admin',
    body: newUser({ [`nick${NUL}`]: 'x' }),
    status: 400,
    code: 'E0000001',
    cause: /^profile: /,
  },
  {
    name: 'a NUL in a profile field on update',
    method: 'POST',
    path: '/api/v1/users/{user}',
    auth: 'admin',
    body: { profile: { lastName: `L${NUL}` } },
    status: 400,
    code: 'E0000001',
    cause: /^profile\.lastName: /,
  },
  {
    name: 'a NUL in a profile field on replace',
    method: 'PUT',
    path: '/api/v1/users/{user}',
    auth: 'admin',
    body: { profile: { login: 'x@example.com', firstName: NUL } },
    status: 400,
    code: 'E0000001',
    cause: /^profile\.firstName: /,
  },
  {
    name: 'a NUL in a password on change_password',
    method: 'POST',
    path: '/api/v1/users/{user}/credentials/change_password',
    auth: 'admin',
    body: { oldPassword: { value: NUL }, newPassword: { value: 'Another-Horse-8' } },
    status: 400,
    code: 'E0000001',
    cause: /^oldPassword\.value: /,
  },
  {
    name: 'a NUL in an imported login',
    method: 'POST',
    path: '/api/v1/users/import?activate=true',
    auth: 'admin',
    body: imported({ login: `i${NUL}@example.com` }),
    status: 400,
    code: 'E0000001',
    cause: /^users\.0\.profile\.login: /,
  },
  {
    name: 'a NUL in an API token name',
    method: 'POST',
    path: '/api/v1/api-tokens',
    auth: 'admin',
    body: { name: `ci${NUL}`, role: 'READ_ONLY_ADMIN' },
    status: 400,
    code: 'E0000001',
    cause: /^name: /,
  },
  {
    name: 'a NUL in a bulk expiry reason',
    method: 'POST',
    path: '/api/v1/users/lifecycle/expire_passwords',
    auth: 'admin',
    body: { reason: `leak${NUL}`, dryRun: true },
    status: 400,
    code: 'E0000001',
    cause: /^reason: /,
  },
  {
    name: 'a NUL in an internal session check',
    method: 'POST',
    path: '/internal/v1/sessions/verify',
    auth: 'service',
    body: { sessionId: NUL },
    status: 400,
    code: 'E0000001',
    cause: /^sessionId: /,
  },
  {
    name: 'a NUL in an internal token introspection',
    method: 'POST',
    path: '/internal/v1/admin-tokens/introspect',
    auth: 'service',
    body: { token: `t${NUL}` },
    status: 400,
    code: 'E0000001',
    cause: /^token: /,
  },
  {
    name: 'a NUL as an internal user id',
    method: 'GET',
    path: '/internal/v1/users/%00/credential-state',
    auth: 'service',
    status: 404,
    code: 'E0000007',
  },
  {
    name: 'a NUL as an internal user id to lock',
    method: 'POST',
    path: '/internal/v1/users/%00/lifecycle/lock',
    auth: 'service',
    status: 404,
    code: 'E0000007',
  },
  // Lone surrogates: not Unicode text, cannot be stored as UTF-8.
  {
    name: 'a lone surrogate in the authn username',
    method: 'POST',
    path: '/api/v1/authn',
    auth: 'none',
    body: { username: LONE, password: 'x' },
    status: 400,
    code: 'E0000001',
    cause: /^username: /,
  },
  {
    name: 'a lone surrogate in the sessions username',
    method: 'POST',
    path: '/api/v1/sessions',
    auth: 'none',
    body: { username: `a${LONE}b`, password: 'x' },
    status: 400,
    code: 'E0000001',
    cause: /^username: /,
  },
  {
    name: 'a lone surrogate in a login on create',
    method: 'POST',
    path: '/api/v1/users?activate=true',
    auth: 'admin',
    body: newUser({ login: `${LONE}@example.com` }),
    status: 400,
    code: 'E0000001',
    cause: /^profile\.login: /,
  },
  {
    name: 'a lone low surrogate in a profile field',
    method: 'POST',
    path: '/api/v1/users/{user}',
    auth: 'admin',
    body: { profile: { firstName: '\udc00' } },
    status: 400,
    code: 'E0000001',
    cause: /^profile\.firstName: /,
  },
  {
    name: "a lone surrogate's would-be UTF-8 bytes (not UTF-8) in the path",
    method: 'GET',
    path: '/api/v1/users/%ED%A0%80',
    auth: 'admin',
    status: 400,
    code: 'E0000001',
  },
  {
    name: 'a malformed percent-encoding in the path',
    method: 'GET',
    path: '/api/v1/users/%E0%A4%A',
    auth: 'admin',
    status: 400,
    code: 'E0000001',
  },
  // Bodies nested deeper than any Lapse body.
  {
    name: 'JSON nested 5,000 deep to authn',
    method: 'POST',
    path: '/api/v1/authn',
    auth: 'none',
    raw: DEEP,
    contentType: 'application/json',
    status: 400,
    code: 'E0000003',
  },
  {
    name: 'JSON nested 5,000 deep to create a user',
    method: 'POST',
    path: '/api/v1/users?activate=true',
    auth: 'admin',
    raw: `{"profile":${DEEP}}`,
    contentType: 'application/json',
    status: 400,
    code: 'E0000003',
  },
  {
    name: 'JSON arrays nested 5,000 deep to import',
    method: 'POST',
    path: '/api/v1/users/import',
    auth: 'admin',
    raw: `{"users":${DEEP_ARRAY}}`,
    contentType: 'application/json',
    status: 400,
    code: 'E0000003',
  },
  {
    name: 'JSON nested 5,000 deep to the internal session check',
    method: 'POST',
    path: '/internal/v1/sessions/verify',
    auth: 'service',
    raw: DEEP,
    contentType: 'application/json',
    status: 400,
    code: 'E0000003',
  },
  // Dates JavaScript's Date accepts (or rolls over) and PostgreSQL refuses.
  {
    name: 'filter lastUpdated gt "2020-02-31"',
    method: 'GET',
    path: `/api/v1/users?filter=${q('lastUpdated gt "2020-02-31"')}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^filter: /,
  },
  {
    name: 'filter created ge "0000-01-01" (year 0)',
    method: 'GET',
    path: `/api/v1/users?filter=${q('created ge "0000-01-01"')}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^filter: /,
  },
  {
    name: 'search passwordChanged lt "2021-02-29T10:00:00Z"',
    method: 'GET',
    path: `/api/v1/users?search=${q('passwordChanged lt "2021-02-29T10:00:00Z"')}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^search: /,
  },
  {
    name: 'filter lastUpdated gt "March 7, 2021" (Date.parse reads it)',
    method: 'GET',
    path: `/api/v1/users?filter=${q('lastUpdated gt "March 7, 2021"')}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
  },
  {
    name: 'logs since=2021-02-31',
    method: 'GET',
    path: '/api/v1/logs?since=2021-02-31',
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^since: /,
  },
  {
    name: 'logs until=2021-04-31T00:00:00Z',
    method: 'GET',
    path: '/api/v1/logs?until=2021-04-31T00:00:00Z',
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^until: /,
  },
  {
    name: 'logs since=0000-01-01',
    method: 'GET',
    path: '/api/v1/logs?since=0000-01-01',
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^since: /,
  },
  {
    name: 'logs filter published gt "2021-02-31"',
    method: 'GET',
    path: `/api/v1/logs?filter=${q('published gt "2021-02-31"')}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^filter: /,
  },
  {
    name: 'an imported lastChanged of 2021-02-31',
    method: 'POST',
    path: '/api/v1/users/import?activate=true',
    auth: 'admin',
    body: imported({}, '2021-02-31T00:00:00Z'),
    status: 400,
    code: 'E0000001',
    cause: /lastChanged/,
  },
  {
    name: 'an imported lastChanged in year 0',
    method: 'POST',
    path: '/api/v1/users/import?activate=true',
    auth: 'admin',
    body: imported({}, '0000-06-01T00:00:00Z'),
    status: 400,
    code: 'E0000001',
    cause: /lastChanged/,
  },
  {
    name: 'a created user’s lastChanged in year 0',
    method: 'POST',
    path: '/api/v1/users?activate=true',
    auth: 'admin',
    body: newUser(
      { login: 'year0@example.com' },
      { hash: { algorithm: 'ARGON2', value: HASH }, lastChanged: '0000-06-01' },
    ),
    status: 400,
    code: 'E0000001',
    cause: /lastChanged/,
  },
  // Required nested objects left out (class-validator's @ValidateNested passes a missing value).
  {
    name: 'a change_password without oldPassword and newPassword',
    method: 'POST',
    path: '/api/v1/users/{user}/credentials/change_password',
    auth: 'admin',
    body: {},
    status: 400,
    code: 'E0000001',
    cause: /^oldPassword: /,
  },
  {
    name: 'a change_password sent as text/plain',
    method: 'POST',
    path: '/api/v1/users/{user}/credentials/change_password',
    auth: 'admin',
    raw: 'oldPassword',
    contentType: 'text/plain',
    status: 400,
    code: 'E0000001',
    cause: /^newPassword: /,
  },
  {
    name: 'an imported password without its hash',
    method: 'POST',
    path: '/api/v1/users/import?activate=true',
    auth: 'admin',
    body: { users: [{ profile: { login: 'nohash@example.com' }, credentials: { password: {} } }] },
    status: 400,
    code: 'E0000001',
    cause: /^users\.0\.credentials\.password\.hash: /,
  },
  {
    name: 'a password policy dictionary without common',
    method: 'PUT',
    path: '/api/v1/policies/password',
    auth: 'admin',
    body: { complexity: { dictionary: {} } },
    status: 400,
    code: 'E0000001',
    cause: /^complexity\.dictionary\.common: /,
  },
  // Cursors beyond any id or position.
  {
    name: 'a 26-digit after cursor on users',
    method: 'GET',
    path: `/api/v1/users?after=${CURSOR}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^after: /,
  },
  {
    name: 'a 26-digit after cursor on logs',
    method: 'GET',
    path: `/api/v1/logs?after=${CURSOR}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^after: /,
  },
  {
    name: 'a 26-digit limit on users',
    method: 'GET',
    path: `/api/v1/users?limit=${CURSOR}`,
    auth: 'admin',
    status: 400,
    code: 'E0000001',
    cause: /^limit: /,
  },
];

/**
 * Every route that reads a body (the bulk expiry aside: an empty body is a valid request to expire every
 * password), swept with bodies of the wrong shape below, each sent as JSON, form-encoded and text/plain.
 * `{user}` is a user of its own, as some of these bodies are valid requests with effects.
 */
const BODY_ROUTES: readonly (readonly [method: string, path: string, auth: Auth])[] = [
  ['POST', '/api/v1/authn', 'none'],
  ['POST', '/api/v1/authn/skip', 'none'],
  ['POST', '/api/v1/authn/cancel', 'none'],
  ['POST', '/api/v1/authn/credentials/change_password', 'none'],
  ['POST', '/api/v1/authn/recovery/token', 'none'],
  ['POST', '/api/v1/authn/credentials/reset_password', 'none'],
  ['POST', '/api/v1/sessions', 'none'],
  ['POST', '/api/v1/users?activate=true', 'admin'],
  ['POST', '/api/v1/users/{user}', 'admin'],
  ['PUT', '/api/v1/users/{user}', 'admin'],
  ['POST', '/api/v1/users/import?activate=true', 'admin'],
  ['POST', '/api/v1/users/{user}/credentials/change_password', 'admin'],
  ['POST', '/api/v1/users/{user}/lifecycle/expire_password_with_temp_password', 'admin'],
  ['POST', '/api/v1/users/{user}/roles', 'admin'],
  ['POST', '/api/v1/api-tokens', 'admin'],
  ['PUT', '/api/v1/policies/password', 'admin'],
  ['POST', '/internal/v1/sessions/verify', 'service'],
  ['POST', '/internal/v1/admin-tokens/introspect', 'service'],
  ['POST', '/internal/v1/recovery-tokens/verify', 'service'],
  ['POST', '/internal/v1/users/{user}/credentials/change_password', 'service'],
  ['POST', '/internal/v1/users/{user}/credentials/reset_password', 'service'],
];

/** Bodies of the wrong shape: top-level non-objects, nulls and wrong types where objects are required. */
const WRONG_BODIES: readonly string[] = [
  '{}',
  '[]',
  'null',
  '1',
  '"x"',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '{"username":["a"],"password":{"a":1}}',
  '{"profile":null,"credentials":[]}',
  '{"profile":{},"credentials":{"password":{"hash":{}}}}',
  '{"profile":{"login":null}}',
  '{"credentials":{"password":null,"provider":{}}}',
  '{"users":"x"}',
  '{"users":[null]}',
  '{"users":[{"profile":{"login":"sweep@example.com"},"credentials":{"password":{}}}]}',
  '{"oldPassword":{},"newPassword":{"value":1}}',
  '{"oldPassword":null,"newPassword":null,"stateToken":null}',
  '{"complexity":{"minLength":1e400,"dictionary":{"common":null}}}',
  '{"name":null,"role":null,"token":null,"sessionId":1,"recoveryToken":{},"recoveryTokenHash":[]}',
];
const FORM_BODY = 'username=a&username=b&password=%FF&profile=x&oldPassword[value]=y';

interface LogLine {
  readonly level: string;
  readonly msg?: string;
}

/** A logger that keeps what the app logs, so the spec can check that nothing was unhandled. */
function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (_obj: object, msg?: string): void => {
      lines.push({ level, msg });
    };
  const logger: Logger = {
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    child: () => logger,
  };
  return logger;
}

describe('hostile input', () => {
  const logged: LogLine[] = [];
  let lapse: TestApp;
  let userId: string;
  beforeAll(async () => {
    lapse = await startTestApp({
      env: {
        PASSWORD_HASH_MEMORY_KIB: '4096',
        PASSWORD_HASH_ITERATIONS: '1',
        AUTHN_RATE_LIMIT_PER_SECOND: '1000',
      },
      logger: recordingLogger(logged),
    });
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', newUser({}));
    expect(created.status).toBe(200);
    userId = created.body.id;
  }, 60_000);
  afterAll(() => lapse?.close());

  async function send(entry: Case): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (entry.auth === 'admin') headers.authorization = `SSWS ${lapse.adminToken}`;
    if (entry.auth === 'service') headers.authorization = `Bearer ${lapse.serviceToken}`;
    let body: string | undefined;
    if (entry.raw !== undefined) {
      body = entry.raw;
      headers['content-type'] = entry.contentType ?? 'application/json';
    } else if (entry.body !== undefined) {
      body = JSON.stringify(entry.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${lapse.url}${entry.path.replace('{user}', userId)}`, {
      method: entry.method,
      headers,
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  }

  it.each(CASES.map((entry) => [entry.name, entry] as const))(
    '%s is a 4xx in Okta’s envelope',
    async (_name, entry) => {
      const before = logged.length;
      const answer = await send(entry);
      expect({ status: answer.status, errorCode: answer.body.errorCode }).toEqual({
        status: entry.status,
        errorCode: entry.code,
      });
      expect(answer.body).toEqual({
        errorCode: entry.code,
        errorSummary: expect.any(String),
        errorLink: entry.code,
        errorId: expect.stringMatching(/^oae/),
        errorCauses: expect.any(Array),
      });
      if (entry.cause) {
        const causes = (answer.body.errorCauses as { errorSummary: string }[]).map(
          (cause) => cause.errorSummary,
        );
        expect(causes).toEqual(expect.arrayContaining([expect.stringMatching(entry.cause)]));
      }
      expect(logged.slice(before).filter((line) => line.msg === 'unhandled error')).toEqual([]);
    },
  );

  describe('every route that reads a body, given one of the wrong shape', () => {
    let sweptUser: string;
    beforeAll(async () => {
      const created = await lapse.admin(
        'POST',
        '/api/v1/users?activate=true',
        newUser({ login: 'swept@example.com', email: 'swept@example.com' }),
      );
      sweptUser = created.body.id;
    });

    const sweep = BODY_ROUTES.flatMap(([method, path, auth]) => [
      ...WRONG_BODIES.map((raw) => ({ method, path, auth, raw, contentType: 'application/json' })),
      { method, path, auth, raw: FORM_BODY, contentType: FORM },
      { method, path, auth, raw: '{"username":"a"}', contentType: 'text/plain' },
    ]);

    it.each(BODY_ROUTES.map(([method, path]) => [`${method} ${path}`, method, path] as const))(
      '%s never answers 5xx nor logs an unhandled error',
      async (_name, method, path) => {
        const failures: string[] = [];
        for (const entry of sweep.filter(
          (candidate) => candidate.method === method && candidate.path === path,
        )) {
          const before = logged.length;
          const answer = await send({
            ...entry,
            name: '',
            path: entry.path.replace('{user}', sweptUser),
            status: 0,
            code: '',
          });
          const unhandled = logged.slice(before).some((line) => line.msg === 'unhandled error');
          const enveloped =
            answer.status < 400 ||
            (typeof answer.body.errorCode === 'string' && Array.isArray(answer.body.errorCauses));
          if (answer.status >= 500 || unhandled || !enveloped)
            failures.push(
              `${entry.contentType} ${entry.raw} → ${answer.status} ${String(answer.body.errorCode)}`,
            );
        }
        expect(failures).toEqual([]);
      },
    );
  });

  it('never echoes the hostile value in an answer', async () => {
    const answer = await send({
      name: '',
      method: 'POST',
      path: '/api/v1/authn',
      auth: 'none',
      body: { username: `secret-${NUL}-value`, password: 'x' },
      status: 400,
      code: 'E0000001',
    });
    expect(JSON.stringify(answer.body)).not.toContain('secret-');
  });

  it('still serves the same routes with ordinary input', async () => {
    expect((await lapse.admin('GET', `/api/v1/users/${userId}`)).status).toBe(200);
    expect(
      (await lapse.admin('GET', `/api/v1/users?filter=${q('lastUpdated gt "2020-02-29"')}`)).status,
    ).toBe(200);
    expect((await lapse.admin('GET', '/api/v1/logs?since=2020-02-29&after=12')).status).toBe(200);
    const emoji = await lapse.admin('POST', `/api/v1/users/${userId}`, {
      profile: { firstName: 'Ada \u{1F600}' },
    });
    expect(emoji.status).toBe(200);
  });
});
