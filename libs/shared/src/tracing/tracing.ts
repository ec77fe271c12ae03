import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { NodeTracerProvider, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry tracing, off unless the standard variables turn it on (`OTEL_TRACES_EXPORTER=otlp`). While
 * it is off no provider is registered and every helper here returns after one boolean test: no span objects,
 * no context switches, no `traceparent` in event metadata. The W3C propagator of `@opentelemetry/core` reads
 * and writes `traceparent`; spans are explicit (no auto-instrumentation of every library: see docs/operations.md).
 */

const TRACER_NAME = 'lapse';
const propagator = new W3CTraceContextPropagator();
let provider: NodeTracerProvider | null = null;

/** What `startTracing` turned on; `shutdown` flushes the spans still buffered. */
export interface Tracing {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Exports every span as it ends to this exporter (tests: `InMemorySpanExporter`), whatever the variables say. */
  readonly exporter?: SpanExporter;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * The exporters `OTEL_TRACES_EXPORTER` names (comma-separated, as the specification allows): `otlp` (OTLP over
 * HTTP, `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), `console`, or `none` (the default).
 * An unknown name is a configuration problem, reported with the others (see `readBaseConfig`).
 */
export function tracesExporters(env: Readonly<Record<string, string | undefined>>): string[] {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return [];
  return (env.OTEL_TRACES_EXPORTER ?? 'none')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'none');
}

export const KNOWN_TRACES_EXPORTERS: readonly string[] = ['otlp', 'console', 'none'];

/**
 * Registers the global tracer provider when the variables ask for it (once per process; a second call returns
 * what the first started). `serviceName` is the default of `OTEL_SERVICE_NAME`.
 */
export function startTracing(
  serviceName: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: TracingOptions = {},
): Tracing {
  if (provider) return { enabled: true, shutdown: stopTracing };
  const exporters = options.exporter ? [] : tracesExporters(env);
  if (!options.exporter && exporters.length === 0) return OFF;
  const { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } = sdk();
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor(options.exporter));
  else
    for (const name of exporters) {
      if (name === 'otlp') processors.push(new BatchSpanProcessor(new (otlpExporter())()));
      else if (name === 'console') processors.push(new BatchSpanProcessor(new ConsoleSpanExporter()));
    }
  if (processors.length === 0) return OFF;
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (read by the env detector) win over the default name.
  const { detectResources, envDetector, resourceFromAttributes } = resources();
  const resource = resourceFromAttributes({ 'service.name': serviceName }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  provider = new NodeTracerProvider({ resource, spanProcessors: processors });
  provider.register({ propagator });
  return { enabled: true, shutdown: stopTracing };
}

/*
 * The SDK, the OTLP exporter and the resource detectors are loaded when tracing is turned on, not with this
 * module: about 180 modules and 6 MB resident that a process with tracing off (the default) never uses, in
 * services held to 150 MB (issue #20). `require` because `import()` would make `startTracing` asynchronous.
 */
function sdk(): typeof import('@opentelemetry/sdk-trace-node') {
  return require('@opentelemetry/sdk-trace-node');
}

function otlpExporter(): typeof import('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter {
  return require('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter;
}

function resources(): typeof import('@opentelemetry/resources') {
  return require('@opentelemetry/resources');
}

async function stopTracing(): Promise<void> {
  const running = provider;
  if (!running) return;
  provider = null;
  await running.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}

/** Whether spans are recorded in this process. */
export function tracingEnabled(): boolean {
  return provider !== null;
}

/** Lapse's tracer (a no-op while tracing is off). */
export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** The active span's context as a W3C `traceparent` value; undefined while tracing is off or no span is active. */
export function activeTraceparent(): string | undefined {
  if (!provider) return undefined;
  const carrier: Record<string, string> = {};
  propagator.inject(context.active(), carrier, {
    set: (target, key, value) => {
      target[key] = value;
    },
  });
  return carrier.traceparent;
}

/** The context a `traceparent` value names (the root context when it is absent or malformed). */
export function contextOf(traceparent: string | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, { traceparent }, { get: (c, k) => c[k], keys: Object.keys });
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /**
   * The parent: a `traceparent` value (a message's, a stored job's). Absent, the active span is the parent;
   * `null` starts a new trace.
   */
  readonly parent?: string | null;
  /** Other traces this span continues (a batch of messages from several traces). */
  readonly links?: readonly string[];
}

/**
 * Runs `work` inside a span that ends when it settles; an error marks the span and is rethrown. Attribute
 * values must never be secrets (passwords, tokens, links, session ids) nor user-entered text.
 */
export async function withSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!provider) return work(undefined);
  const parent =
    options.parent === undefined
      ? context.active()
      : options.parent === null
        ? ROOT_CONTEXT
        : contextOf(options.parent);
  const links: Link[] = (options.links ?? []).flatMap((traceparent) => {
    const linked = trace.getSpanContext(contextOf(traceparent));
    return linked ? [{ context: linked }] : [];
  });
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException({ name: error instanceof Error ? error.name : 'Error' });
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : undefined });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * `trace_id` and `span_id` of the active span, for log lines (pino's mixin); nothing while tracing is off.
 * A new object every time: pino merges the line's own fields into what the mixin returns.
 */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  if (!provider) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export { SpanKind };
