import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually, waitFor } from '@lapse/shared/testing/wait-for';
import { createLogger } from '@lapse/shared/logging/logger';
import { startTracing, type Tracing } from '@lapse/shared/tracing/tracing';
import { MaildevCaptureServer } from '../apps/notifier/src/mail-capture/maildev-capture-server';

/**
 * OpenTelemetry across the all-in-one app, with an in-memory exporter in place of OTLP: an administrator's
 * expiry is one trace from the request (continuing the caller's `traceparent`) through the event's decision,
 * identity's projection update and the notifier's consumer to the email actually sent over SMTP; a refused
 * sign-in has its own trace; log lines carry the trace id; no secret reaches a span.
 */
describe('tracing an expiry from the request to the delivery (all-in-one, in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  // The production logger (JSON lines, its trace mixin), writing into `logLines`.
  const logLines: string[] = [];
  const logger = createLogger('lapse', 'debug', {
    format: 'json',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
  });
  let tracing: Tracing;
  let maildev: MaildevCaptureServer;
  let app: TestApp;

  beforeAll(async () => {
    tracing = startTracing('lapse', {}, { exporter });
    maildev = await MaildevCaptureServer.start();
    app = await startTestApp({
      env: {
        ...FAST_PASSWORD_HASHING,
        SMTP_URL: maildev.smtpUrl,
        SMTP_REQUIRE_TLS: 'false',
        DELIVERY_POLL_MS: '50',
        NOTIFY_ON_ADMIN_EXPIRY: 'true',
      },
      logger,
    });
  });

  afterAll(async () => {
    await app?.close();
    await maildev?.stop();
    await tracing?.shutdown();
  });

  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  const spansOf = (traceId: string) =>
    exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const find = (
    spans: readonly ReadableSpan[],
    name: string,
    where: (span: ReadableSpan) => boolean = () => true,
  ) => {
    const found = spans.filter((span) => span.name === name && where(span));
    expect(found.map((span) => span.name)).toEqual([name]);
    return found[0] as ReadableSpan;
  };
  const consumerOf = (spans: readonly ReadableSpan[], service: string, eventType: string) => {
    const found = spans.filter(
      (span) =>
        span.kind === SpanKind.CONSUMER &&
        span.attributes['lapse.event_type'] === eventType &&
        String(span.attributes['messaging.consumer.group.name']).startsWith(service),
    );
    expect(found.length).toBeGreaterThan(0);
    return found;
  };
  /** Every attribute, event and link of the spans as one text, to search for secrets. */
  const spanText = (spans: readonly ReadableSpan[]) =>
    JSON.stringify(
      spans.map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        status: span.status,
      })),
    );

  async function createUser(): Promise<{ id: string; email: string; password: string }> {
    const email = `traced.${hex(4)}@example.com`;
    const password = `Start-${hex(6)}-Pw1!`;
    const created = await app.admin('POST', '/api/v1/users?activate=true', {
      profile: { login: email, email, firstName: 'Grace', lastName: 'Hopper' },
      credentials: { password: { value: password } },
    });
    expect(created.status).toBe(200);
    return { id: created.body.id as string, email, password };
  }

  it('follows expire_password from the caller’s trace to identity’s projection and the notice email', async () => {
    const { id, email, password } = await createUser();
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const expired = await app.request('POST', `/api/v1/users/${id}/lifecycle/expire_password`, undefined, {
      authorization: `SSWS ${app.adminToken}`,
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    });
    expect(expired.status).toBe(200);
    expect(expired.body.status).toBe('PASSWORD_EXPIRED');
    await maildev.waitForEmails(1, email, 20_000);
    // The delivery's span ends last, once the outcome is recorded.
    await waitFor('the delivery span', () =>
      spansOf(traceId).some((span) => span.name === 'deliver EXPIRY_NOTICE'),
    );

    const spans = spansOf(traceId);
    const request = find(spans, 'POST /api/v1/users/:id/lifecycle/expire_password');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(parentOf(request)).toBe(callerSpanId);
    expect(request.attributes['http.response.status_code']).toBe(200);

    const decided = find(
      spans,
      'decide user',
      (span) =>
        (span.attributes['lapse.event_types'] as string[] | undefined)?.includes('PasswordExpired') === true,
    );
    expect(parentOf(decided)).toBe(request.spanContext().spanId);

    const identityConsumers = consumerOf(spans, 'identity', 'PasswordExpired');
    expect(identityConsumers.map((span) => span.attributes['messaging.consumer.group.name'])).toContain(
      'identity.credential-projection',
    );
    for (const projection of identityConsumers)
      expect(parentOf(projection)).toBe(decided.spanContext().spanId);
    const notifierConsumers = consumerOf(spans, 'notifier', 'PasswordExpired');
    for (const consumer of notifierConsumers) expect(parentOf(consumer)).toBe(decided.spanContext().spanId);

    // The delivery continues the span of the notifier's consumer that queued the notice.
    const delivery = find(spans, 'deliver EXPIRY_NOTICE');
    expect(notifierConsumers.map((consumer) => consumer.spanContext().spanId)).toContain(parentOf(delivery));
    expect(delivery.attributes['lapse.delivery.channel']).toBe('EMAIL');
    const sent = find(spans, 'email send');
    expect(sent.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(sent)).toBe(delivery.spanContext().spanId);

    const text = spanText(spans);
    for (const secret of [password, app.adminToken, email, id]) expect(text).not.toContain(secret);
  });

  it('keeps the temporary password and its reveal link out of the delivery’s trace; logs name its spans', async () => {
    const { id, email } = await createUser();
    const expired = await app.admin(
      'POST',
      `/api/v1/users/${id}/lifecycle/expire_password_with_temp_password`,
    );
    expect(expired.status).toBe(200);
    const tempPassword = expired.body.tempPassword as string;
    const [mail] = await maildev.waitForEmails(1, email, 20_000);
    const link = /\/notifier\/reveal\/([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1] as string;
    expect(link).toBeDefined();

    const request = find(
      exporter.getFinishedSpans(),
      'POST /api/v1/users/:id/lifecycle/expire_password_with_temp_password',
    );
    const traceId = request.spanContext().traceId;
    expect(parentOf(request)).toBeUndefined();
    await waitFor('the delivery span', () =>
      spansOf(traceId).some((span) => span.name === 'deliver TEMPORARY_PASSWORD'),
    );
    const spans = spansOf(traceId);
    const delivery = find(spans, 'deliver TEMPORARY_PASSWORD');
    expect(parentOf(find(spans, 'email send'))).toBe(delivery.spanContext().spanId);

    const text = spanText(spans);
    for (const secret of [tempPassword, link, app.adminToken]) expect(text).not.toContain(secret);

    // The notifier's consumer logs the request it recorded: that line names the consumer's span.
    const scheduling = consumerOf(spans, 'notifier', 'TemporaryPasswordDeliveryRequested');
    const logged = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'temporary password delivery requested' && line.userId === id);
    expect(logged).toEqual([expect.objectContaining({ trace_id: traceId })]);
    expect(scheduling.map((consumer) => consumer.spanContext().spanId)).toContain(logged[0]?.span_id);
    expect(logLines.join('\n')).not.toContain(tempPassword);
  });

  it('traces a sign-in refused for an expired password in its own trace, and the change into directory', async () => {
    const { id, email, password } = await createUser();
    expect((await app.admin('POST', `/api/v1/users/${id}/lifecycle/expire_password`)).status).toBe(200);
    // Identity learns of the expiry from the event: sign in until it refuses (each attempt a trace of its own).
    let traceId = '';
    const refused = await eventually(
      () => {
        traceId = hex(16);
        return app.request(
          'POST',
          '/api/v1/authn',
          { username: email, password },
          { traceparent: `00-${traceId}-${hex(8)}-01` },
        );
      },
      (answer) => answer.body.status === 'PASSWORD_EXPIRED',
      30_000,
    );
    expect(refused.status).toBe(200);
    expect(refused.body.status).toBe('PASSWORD_EXPIRED');

    await waitFor('the sign-in request span', () =>
      spansOf(traceId).some((span) => span.name === 'POST /api/v1/authn'),
    );
    const spans = spansOf(traceId);
    const request = find(spans, 'POST /api/v1/authn');
    const signIn = find(spans, 'sign-in');
    expect(parentOf(signIn)).toBe(request.spanContext().spanId);
    expect(signIn.attributes['lapse.sign_in.outcome']).toBe('PASSWORD_EXPIRED');
    expect(spanText(spans)).not.toContain(password);
    expect(spanText(spans)).not.toContain(email);

    // Changing the expired password: identity asks directory's internal API, which continues the trace.
    const changeTrace = hex(16);
    const newPassword = `Changed-${hex(6)}-Pw2!`;
    const changed = await app.request(
      'POST',
      '/api/v1/authn/credentials/change_password',
      { stateToken: refused.body.stateToken, oldPassword: password, newPassword },
      { traceparent: `00-${changeTrace}-${hex(8)}-01` },
    );
    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('SUCCESS');
    await waitFor('the change request span', () =>
      spansOf(changeTrace).some((span) => span.name === 'POST /api/v1/authn/credentials/change_password'),
    );
    const changeSpans = spansOf(changeTrace);
    const change = find(changeSpans, 'POST /api/v1/authn/credentials/change_password');
    const internal = changeSpans.filter(
      (span) => span.kind === SpanKind.SERVER && span.name.startsWith('POST /internal/v1/users/'),
    );
    expect(internal.map((span) => parentOf(span))).toEqual([change.spanContext().spanId]);
    const text = spanText(changeSpans);
    for (const secret of [password, newPassword, refused.body.stateToken as string])
      expect(text).not.toContain(secret);
  });
});
