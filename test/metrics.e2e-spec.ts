import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually, waitFor } from '@lapse/shared/testing/wait-for';

/** One labelled sample of a Prometheus text scrape: `name{labels} value`. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1], label[2]]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/**
 * `/metrics` of the all-in-one app (prom-client): the service credential opens it, and after real traffic
 * (users created, signed in, refused, expired in bulk) it has the figures an operator graphs, with labels that
 * name routes, statuses and outcomes, never a user.
 */
describe('the metrics scrape', () => {
  let lapse: TestApp;
  const login = 'metrics.person@example.com';
  const password = 'Correct-Horse-42-battery';
  let userId = '';
  const scrape = async () => {
    const response = await fetch(`${lapse.url}/metrics`, {
      headers: { authorization: `Bearer ${lapse.serviceToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  beforeAll(async () => {
    lapse = await startTestApp();
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Metrics', lastName: 'Person' },
      credentials: { password: { value: password } },
    });
    expect(created.status).toBe(200);
    userId = created.body.id;
    const signedIn = await eventually(
      () => lapse.request('POST', '/api/v1/authn', { username: login, password }),
      (answer) => answer.body.status === 'SUCCESS',
    );
    expect(signedIn.status).toBe(200);
    const refused = await lapse.request('POST', '/api/v1/authn', {
      username: 'nobody@example.com',
      password: 'wrong-One-42!',
    });
    expect(refused.status).toBe(401);
    expect((await lapse.admin('GET', `/api/v1/users/${userId}`)).status).toBe(200);
    expect((await lapse.admin('GET', `/api/v1/users/${encodeURIComponent(login)}`)).status).toBe(200);
    const job = await lapse.admin('POST', '/api/v1/users/lifecycle/expire_passwords', {});
    expect(job.status).toBeLessThan(300);
  });
  afterAll(() => lapse?.close());

  it('needs the service credential: no credential or an admin token gets 401', async () => {
    expect((await fetch(`${lapse.url}/metrics`)).status).toBe(401);
    const asAdmin = await fetch(`${lapse.url}/metrics`, {
      headers: { authorization: `SSWS ${lapse.adminToken}` },
    });
    expect(asAdmin.status).toBe(401);
  });

  it("has Node's process figures, request durations by route template and status, and each service's figures", async () => {
    await waitFor(
      'the bulk expiry to complete',
      async () => /lapse_bulk_expiry_jobs\{status="COMPLETED"\} 1/.test(await scrape()),
      20_000,
    );
    // Consumers catch up once the job's events are written; a scrape taken just then may still see lag.
    await waitFor(
      'every log consumer to catch up',
      async () =>
        !samples(await scrape()).some(
          (sample) => sample.name === 'lapse_log_consumer_lag_events' && sample.value > 0,
        ),
      20_000,
    );
    const all = samples(await scrape());
    const names = new Set(all.map((sample) => sample.name));
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'lapse_http_request_duration_seconds_bucket',
      'lapse_identity_sign_ins_total',
      'lapse_identity_projection_lag_events',
      'lapse_identity_projection_lag_seconds',
      'lapse_log_consumer_lag_events',
      'lapse_log_consumer_position',
      'lapse_bulk_expiry_jobs',
      'lapse_bulk_expiry_running_users',
    ]) {
      expect(names).toContain(name);
    }
    const requests = all.filter((sample) => sample.name === 'lapse_http_request_duration_seconds_count');
    expect(requests).toContainEqual({
      name: 'lapse_http_request_duration_seconds_count',
      labels: { method: 'GET', route: '/api/v1/users/:idOrLogin', status: '200' },
      value: 2,
    });
    expect(requests).toContainEqual(
      expect.objectContaining({ labels: { method: 'POST', route: '/api/v1/authn', status: '401' } }),
    );
    const signIns = all.filter((sample) => sample.name === 'lapse_identity_sign_ins_total');
    expect(signIns.map((sample) => sample.labels.answer)).toEqual(expect.arrayContaining(['SUCCESS']));
    expect(all.filter((sample) => sample.name === 'lapse_log_consumer_lag_events').length).toBeGreaterThan(0);
  }, 60_000);

  it('carries no user id, login, password or token in any label', async () => {
    const text = await scrape();
    for (const secret of [
      userId,
      login,
      encodeURIComponent(login),
      password,
      lapse.adminToken,
      lapse.serviceToken,
    ])
      expect(text).not.toContain(secret);
    for (const sample of samples(text))
      for (const value of Object.values(sample.labels)) expect(value).not.toMatch(/^00u|@/);
  });
});
