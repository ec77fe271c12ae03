import type { TestApp } from '@lapse/shared/testing/test-app';

/**
 * The authn status of a user created moments ago, once identity's projection holds them: until then identity
 * answers E0000004 as for an unknown user, which says nothing about what the test checks (an expiry, or that
 * a refused request expired nobody). Tries for about 12 s, within Okta's 4 sign-ins a second per username.
 */
export async function statusOnceKnown(app: TestApp, login: string, password: string): Promise<string> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const answer = (await app.request('POST', '/api/v1/authn', { username: login, password })).body;
    if (answer.errorCode !== 'E0000004') return (answer.status ?? answer.errorCode) as string;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return 'E0000004';
}
