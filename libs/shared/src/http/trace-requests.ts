import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { contextOf, tracer } from '../tracing/tracing';

/**
 * One server span per HTTP request (installed only while tracing is on). A `traceparent` header continues the
 * caller's trace; without one the request starts a new trace. The span is named by the method and the route
 * template (`POST /api/v1/users/:id/lifecycle/expire_password`), never by the path, which may hold a reset or
 * reveal token; no header, query or body value becomes an attribute.
 * Written here rather than with `@opentelemetry/instrumentation-http`/`-express`: those patch every request
 * and outgoing call of the process (the services' calls to each other, the SMTP client), and record full URLs.
 */
export function traceRequests(request: Request, response: Response, next: NextFunction): void {
  const header = request.headers.traceparent;
  const parent = contextOf(typeof header === 'string' ? header : undefined);
  const method = request.method;
  const span = tracer().startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } },
    parent,
  );
  const active = trace.setSpan(parent, span);
  // The body parser and the handlers run in listeners of these emitters: they see the request's span too.
  context.bind(active, request);
  context.bind(active, response);
  response.once('close', () => {
    const route = (request.route as { path?: unknown } | undefined)?.path;
    if (typeof route === 'string') {
      span.setAttribute('http.route', route);
      span.updateName(`${method} ${route}`);
    }
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 500 || !response.writableFinished)
      span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(active, next);
}
