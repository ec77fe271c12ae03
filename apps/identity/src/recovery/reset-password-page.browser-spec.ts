import { collectProblems, launchChromium } from '@lapse/shared/testing/browser';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import type { Browser, Page } from 'playwright-core';

/**
 * The page a reset link opens, in a real browser (Debian's Chromium driven by playwright-core) against the
 * all-in-one app on real PostgreSQL: its script must run under the page's own CSP, show the policy's
 * refusal, reset the password, and tell a spent link apart.
 */
describe('the reset-password page in Chromium', () => {
  let lapse: TestApp;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    lapse = await startTestApp({
      env: { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_ITERATIONS: '1', PASSWORD_POLICY_CACHE_MS: '0' },
    });
    browser = await launchChromium();
    page = collectProblems(await browser.newPage(), problems);
  });
  afterAll(async () => {
    await browser?.close();
    await lapse?.close();
  });

  const signIn = (username: string, password: string) =>
    lapse.request('POST', '/api/v1/authn', { username, password });

  async function submit(password: string, confirm = password): Promise<void> {
    await page.fill('#password', password);
    await page.fill('#confirm', confirm);
    await page.click('button[type=submit]');
  }

  it('resets the password from the emailed link, showing what the policy refuses, and a spent link as dead', async () => {
    const login = `ada.${Date.now()}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Ada', lastName: 'Lovelace' },
      credentials: { password: { value: 'Analytical-Engine-1843' } },
    });
    expect(created.status).toBe(200);
    const reset = await lapse.admin(
      'POST',
      `/api/v1/users/${created.body.id}/lifecycle/reset_password?sendEmail=false`,
    );
    const link = reset.body.resetPasswordUrl as string;

    await page.goto(link);
    await page.waitForSelector('#form:not([hidden])');
    expect(await page.textContent('#who')).toBe(`Choose a new password for ${login}.`);
    expect(await page.textContent('#rules')).toContain('At least 8 characters');

    await submit('Difference-Engine-1822', 'Difference-Engine-1823');
    await page.waitForSelector('#errors li');
    expect(await page.textContent('#errors')).toBe('The two passwords are not the same.');

    await submit('short');
    await page.locator('#errors', { hasText: 'requirements' }).waitFor();
    expect(await page.textContent('#errors')).toContain('Password requirements were not met');
    expect((await signIn(login, 'short')).status).toBe(401);

    await submit('Difference-Engine-1822');
    await page.locator('#title', { hasText: 'Password reset' }).waitFor();
    expect(await page.isHidden('#form')).toBe(true);
    expect(await page.textContent('#status')).toBe(
      'Your password has been reset. You can now sign in with it.',
    );
    expect((await signIn(login, 'Difference-Engine-1822')).body.status).toBe('SUCCESS');
    expect((await signIn(login, 'Analytical-Engine-1843')).status).toBe(401);

    await page.goto(link);
    await page.locator('#title', { hasText: 'no longer' }).waitFor();
    expect(await page.textContent('#title')).toBe('This link can no longer be used');
    // Nothing was refused by the page's CSP and no script failed along the way.
    expect(problems).toEqual([]);
  });
});
