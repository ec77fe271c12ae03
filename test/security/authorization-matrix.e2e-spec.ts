import type { AdminRole } from '@lapse/shared/http/admin-auth';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';

/**
 * Every route the all-in-one app serves, read from its own router, against every kind of credential. A
 * route missing from ROUTES fails the spec, so a new route cannot ship without a decision on who may call it.
 */
type Access =
  | { readonly kind: 'public'; readonly reason: string }
  | { readonly kind: 'service' }
  | { readonly kind: 'admin'; readonly roles: readonly AdminRole[] };

const ANY_ADMIN: readonly AdminRole[] = ['SUPER_ADMIN', 'USER_ADMIN', 'READ_ONLY_ADMIN'];
const WRITERS: readonly AdminRole[] = ['SUPER_ADMIN', 'USER_ADMIN'];
const SUPER: readonly AdminRole[] = ['SUPER_ADMIN'];
const admin = (roles: readonly AdminRole[]): Access => ({ kind: 'admin', roles });
const service: Access = { kind: 'service' };
const publicRoute = (reason: string): Access => ({ kind: 'public', reason });

/** `METHOD path` as the router knows it → who may call it. */
const ROUTES: Readonly<Record<string, Access>> = {
  'GET /health/live': publicRoute('liveness probe: says only that the process answers'),
  'GET /health/ready': publicRoute('readiness probe: check names and lags, no user data'),
  'GET /openapi.json': publicRoute('the OpenAPI document of the public API: routes and schemas, no data'),
  'GET /metrics': service,
  'POST /api/v1/users/lifecycle/expire_passwords': admin(SUPER),
  'POST /api/v1/users/lifecycle/expire_passwords/uploads': admin(SUPER),
  'GET /api/v1/jobs/:id': admin(ANY_ADMIN),
  'GET /api/v1/jobs': admin(ANY_ADMIN),
  'POST /api/v1/jobs/:id/lifecycle/cancel': admin(SUPER),
  'POST /api/v1/groups': admin(WRITERS),
  'GET /api/v1/groups': admin(ANY_ADMIN),
  'GET /api/v1/groups/:groupId': admin(ANY_ADMIN),
  'PUT /api/v1/groups/:groupId': admin(WRITERS),
  'DELETE /api/v1/groups/:groupId': admin(WRITERS),
  'GET /api/v1/groups/:groupId/users': admin(ANY_ADMIN),
  'PUT /api/v1/groups/:groupId/users/:userId': admin(WRITERS),
  'DELETE /api/v1/groups/:groupId/users/:userId': admin(WRITERS),
  'GET /api/v1/users/:id/groups': admin(ANY_ADMIN),
  'GET /api/v1/users': admin(ANY_ADMIN),
  'POST /api/v1/users/import': admin(WRITERS),
  'POST /api/v1/users': admin(WRITERS),
  'GET /api/v1/users/:idOrLogin': admin(ANY_ADMIN),
  'POST /api/v1/users/:idOrLogin': admin(WRITERS),
  'PUT /api/v1/users/:idOrLogin': admin(WRITERS),
  'POST /api/v1/users/:id/lifecycle/expire_password': admin(WRITERS),
  'POST /api/v1/users/:id/lifecycle/expire_password_with_temp_password': admin(WRITERS),
  'POST /api/v1/users/:id/lifecycle/reset_password': admin(WRITERS),
  'PUT /api/v1/users/:id/credentials/password_expiry_exemption': admin(SUPER),
  'POST /api/v1/users/:id/lifecycle/unlock': admin(WRITERS),
  'POST /api/v1/users/:id/lifecycle/activate': admin(WRITERS),
  'POST /api/v1/users/:id/lifecycle/suspend': admin(WRITERS),
  'POST /api/v1/users/:id/lifecycle/unsuspend': admin(WRITERS),
  'POST /api/v1/users/:id/lifecycle/deactivate': admin(WRITERS),
  'POST /api/v1/users/:id/credentials/change_password': admin(WRITERS),
  'POST /internal/v1/users/:id/credentials/change_password': service,
  'POST /internal/v1/recovery-tokens/verify': service,
  'POST /internal/v1/users/:id/credentials/reset_password': service,
  'POST /internal/v1/users/:id/lifecycle/lock': service,
  'POST /internal/v1/users/:id/lifecycle/unlock': service,
  'GET /internal/v1/users/:id/credential-state': service,
  'POST /internal/v1/users/credential-states': service,
  'GET /api/v1/policies/password': admin(ANY_ADMIN),
  'PUT /api/v1/policies/password': admin(SUPER),
  'GET /internal/v1/policies/password': service,
  'GET /api/v1/policies': admin(ANY_ADMIN),
  'GET /api/v1/policies/:policyId': admin(ANY_ADMIN),
  'PUT /api/v1/policies/:policyId': admin(SUPER),
  'POST /api/v1/policies': admin(SUPER),
  'DELETE /api/v1/policies/:policyId': admin(SUPER),
  'POST /api/v1/policies/:policyId/lifecycle/activate': admin(SUPER),
  'POST /api/v1/policies/:policyId/lifecycle/deactivate': admin(SUPER),
  'GET /api/v1/users/:userId/policies/password': admin(ANY_ADMIN),
  'GET /internal/v1/policies': service,
  'POST /api/v1/api-tokens': admin(SUPER),
  'GET /api/v1/api-tokens': admin(SUPER),
  'DELETE /api/v1/api-tokens/:id': admin(SUPER),
  'POST /internal/v1/admin-tokens/introspect': service,
  'GET /api/v1/logs': admin(ANY_ADMIN),
  'POST /api/v1/users/:id/roles': admin(SUPER),
  'GET /api/v1/users/:id/roles': admin(ANY_ADMIN),
  'DELETE /api/v1/users/:id/roles/:roleId': admin(SUPER),
  'POST /api/v1/authn': publicRoute('sign-in: the credential is the username and password in the body'),
  'POST /api/v1/authn/credentials/change_password': publicRoute('sign-in flow: the state token in the body'),
  'POST /api/v1/authn/skip': publicRoute('sign-in flow: the state token in the body'),
  'POST /api/v1/authn/cancel': publicRoute('sign-in flow: the state token in the body'),
  'POST /api/v1/sessions': publicRoute('session from a one-time session token in the body'),
  'GET /api/v1/sessions/me': publicRoute('the session cookie is the credential'),
  'DELETE /api/v1/sessions/me': publicRoute('the session cookie is the credential'),
  'GET /api/v1/sessions/:id': publicRoute('the session id is a bearer secret (Okta)'),
  'DELETE /api/v1/sessions/:id': publicRoute('the session id is a bearer secret (Okta)'),
  'POST /api/v1/sessions/:id/lifecycle/refresh': publicRoute('the session id is a bearer secret (Okta)'),
  'DELETE /api/v1/users/:userId/sessions': admin(WRITERS),
  'POST /internal/v1/sessions/verify': service,
  'POST /api/v1/authn/recovery/token': publicRoute(
    'recovery: the reset-link token in the body is the credential',
  ),
  'POST /api/v1/authn/credentials/reset_password': publicRoute('recovery: the state token in the body'),
  'GET /reset_password/:token': publicRoute(
    'the page a reset link opens; the token in the path is the credential',
  ),
  'POST /api/v1/users/me/credentials/change_password': publicRoute(
    'the session cookie is the credential (403 E0000005 without a live one)',
  ),
  'GET /signin': publicRoute('the hosted sign-in form'),
  'POST /signin': publicRoute('sign-in: the username and password in the form, with its CSRF token'),
  'POST /signin/password/start': publicRoute('sign-in flow: the state-token cookie and the CSRF token'),
  'POST /signin/password': publicRoute('sign-in flow: the state-token cookie and the CSRF token'),
  'POST /signin/skip': publicRoute('sign-in flow: the state-token cookie and the CSRF token'),
  'GET /signin/done': publicRoute('the session cookie is the credential (redirects to /signin without one)'),
  'POST /signin/signout': publicRoute('the session cookie and the CSRF token bound to it'),
  'GET /signin/change-password': publicRoute('the session cookie is the credential'),
  'POST /signin/change-password': publicRoute('the session cookie and the CSRF token bound to it'),
  'POST /api/v1/authn/recovery/password': publicRoute(
    'forgot password: the same answer for every username; the emailed link is the credential',
  ),
  'POST /internal/v1/recovery/password': service,
  'GET /signin/forgot-password': publicRoute('the forgot-password form'),
  'POST /signin/forgot-password': publicRoute(
    'forgot password: the same page for every username, with its CSRF token',
  ),
  'GET /api/v1/notifier/jwks': publicRoute("the notifier's public keys"),
  'GET /admin': publicRoute(
    'admin console: redirects to sign-in or setup; the console cookie is the credential',
  ),
  'GET /admin/signin': publicRoute('admin console sign-in form'),
  'POST /admin/signin': publicRoute(
    'admin console sign-in: the credential is the username and password in the form',
  ),
  'GET /admin/change-password': publicRoute(
    'forced password change: the pre-session cookie names a pending change',
  ),
  'POST /admin/change-password': publicRoute(
    'forced password change: the pre-session cookie and current password',
  ),
  'POST /admin/signout': publicRoute('ends the console session named by its cookie'),
  'GET /admin/setup': publicRoute('first-start setup form; open only while no super administrator exists'),
  'POST /admin/setup': publicRoute(
    'first-start setup: the one-time setup code in the form is the credential',
  ),
  'GET /admin/people': publicRoute('admin console: the console session cookie is the credential'),
  'GET /admin/people/:id': publicRoute('admin console: the console session cookie is the credential'),
  'POST /admin/people/:id/reset-password/temporary': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'POST /admin/people/:id/reset-password/link': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'POST /admin/people/:id/expire-password': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'GET /admin/people/expire-passwords': publicRoute(
    'admin console: the console session cookie is the credential',
  ),
  'POST /admin/people/expire-passwords': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'GET /admin/jobs': publicRoute('admin console: the console session cookie is the credential'),
  'GET /admin/jobs/:id': publicRoute('admin console: the console session cookie is the credential'),
  'GET /admin/jobs/:id/progress': publicRoute('admin console: the console session cookie is the credential'),
  'POST /admin/people/:id/roles': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'POST /admin/people/:id/roles/:roleId/remove': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'POST /admin/people/:id/password-age-exemption': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'GET /admin/policy': publicRoute('admin console: the console session cookie is the credential'),
  'POST /admin/policy': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'GET /admin/logs': publicRoute('admin console: the console session cookie is the credential'),
  'GET /admin/tokens': publicRoute('admin console: the console session cookie is the credential'),
  'POST /admin/tokens': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'POST /admin/tokens/:id/revoke': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'POST /admin/people/:id/:operation': publicRoute(
    'admin console: the console session cookie and CSRF token are the credential',
  ),
  'GET /notifier/reveal/:token': publicRoute('one-time reveal page; the token in the path is the credential'),
  'POST /notifier/reveal/:token': publicRoute('one-time reveal; the token in the path is the credential'),
};

interface Layer {
  readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
}

/** The routes Express will dispatch to, as `METHOD path`. */
function routerTable(lapse: TestApp): string[] {
  const express = lapse.app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route?.path}`)
      : [],
  );
}

/** Ids that exist nowhere, so an authorized call changes nothing (404 or 400 counts as authorized). */
const concretePath = (path: string) =>
  path.replace(/:(\w+)/g, (_match, name: string) =>
    name === 'token' ? 'no-such-token' : '00unosuchid00000000',
  );

describe('the authorization matrix of the all-in-one app', () => {
  let lapse: TestApp;
  let table: string[];
  const tokens: Partial<Record<AdminRole, string>> = {};

  beforeAll(async () => {
    lapse = await startTestApp({ env: { ADMIN_RATE_LIMIT_PER_MINUTE: '10000' } });
    table = routerTable(lapse);
    tokens.SUPER_ADMIN = lapse.adminToken;
    for (const role of ['USER_ADMIN', 'READ_ONLY_ADMIN'] as const) {
      const created = await lapse.admin('POST', '/api/v1/api-tokens', { name: `matrix ${role}`, role });
      tokens[role] = created.body.token;
    }
  });
  afterAll(() => lapse?.close());

  it('reads a route table from the router', () => {
    expect(table.length).toBeGreaterThan(40);
    expect(table).toContain('GET /api/v1/users');
  });

  it('has every route classified, and no classification for a route that is gone', () => {
    expect({
      unclassified: table.filter((route) => !(route in ROUTES)),
      gone: Object.keys(ROUTES).filter((route) => !table.includes(route)),
    }).toEqual({ unclassified: [], gone: [] });
  });

  it('answers every route as its classification says, for every credential', async () => {
    const wrong = {
      'no credential': undefined,
      'Basic scheme': `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      'admin token with the Bearer scheme': `Bearer ${lapse.adminToken}`,
      'a wrong SSWS token': `SSWS 00wrongTokenwrongTokenwrongTokenwrongTok`,
      'a wrong Bearer token': 'Bearer wrong-service-token-wrong-service-token',
    };
    const serviceBearer = `Bearer ${lapse.serviceToken}`;
    const serviceAsAdmin = `SSWS ${lapse.serviceToken}`;
    const problems: string[] = [];

    for (const route of table) {
      const access = ROUTES[route];
      if (!access) continue; // reported by the classification test
      const [method, path] = route.split(' ');
      const call = async (authorization: string | undefined) => {
        const response = await fetch(`${lapse.url}${concretePath(path)}`, {
          method,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(authorization ? { authorization } : {}),
          },
          body: method === 'POST' || method === 'PUT' ? '{}' : undefined,
        });
        const text = await response.text();
        // Pages and the metrics scrape are not JSON; only the Okta envelope's errorCode is read.
        const errorCode = /"errorCode":"(E\d+)"/.exec(text)?.[1];
        return { status: response.status, errorCode };
      };
      const expectRefused = async (
        what: string,
        authorization: string | undefined,
        status: number,
        code: string,
      ) => {
        const answer = await call(authorization);
        if (answer.status !== status || answer.errorCode !== code)
          problems.push(
            `${route} with ${what}: ${answer.status} ${answer.errorCode ?? ''}, expected ${status} ${code}`,
          );
      };
      const expectAdmitted = async (what: string, authorization: string | undefined) => {
        const answer = await call(authorization);
        if (answer.status === 401 || answer.status === 403)
          problems.push(
            `${route} with ${what}: ${answer.status} ${answer.errorCode ?? ''}, expected to be let through`,
          );
      };

      switch (access.kind) {
        case 'admin':
          for (const [what, authorization] of Object.entries(wrong))
            await expectRefused(what, authorization, 401, 'E0000011');
          await expectRefused('the service token', serviceBearer, 401, 'E0000011');
          await expectRefused('the service token as SSWS', serviceAsAdmin, 401, 'E0000011');
          for (const role of ANY_ADMIN) {
            const authorization = `SSWS ${tokens[role]}`;
            if (access.roles.includes(role)) await expectAdmitted(role, authorization);
            else await expectRefused(role, authorization, 403, 'E0000006');
          }
          break;
        case 'service':
          for (const [what, authorization] of Object.entries(wrong))
            await expectRefused(what, authorization, 401, 'E0000011');
          await expectRefused('the service token as SSWS', serviceAsAdmin, 401, 'E0000011');
          for (const role of ANY_ADMIN) await expectRefused(role, `SSWS ${tokens[role]}`, 401, 'E0000011');
          await expectAdmitted('the service token', serviceBearer);
          break;
        case 'public': {
          const answer = await call(undefined);
          if (answer.status >= 500) problems.push(`${route} without a credential: ${answer.status}`);
          break;
        }
      }
    }
    expect(problems).toEqual([]);
    // Every route with every credential, one request after another: over 20 s on a busy machine.
  }, 90_000);
});
