import { readBaseConfig } from '../config/base-config';
import { ConfigError, EnvReader } from '../config/env';
import {
  activeTraceparent,
  contextOf,
  traceLogFields,
  tracesExporters,
  tracingEnabled,
  withSpan,
} from './tracing';
import { trace } from '@opentelemetry/api';

describe('tracing settings', () => {
  it('is off unless OTEL_TRACES_EXPORTER names an exporter, and OTEL_SDK_DISABLED wins', () => {
    expect(tracesExporters({})).toEqual([]);
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: 'none' })).toEqual([]);
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: ' OTLP , console' })).toEqual(['otlp', 'console']);
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'TRUE' })).toEqual([]);
  });

  it('reports an unknown exporter and a collector URL that is not http with the other configuration problems', () => {
    const env = new EnvReader(
      { OTEL_TRACES_EXPORTER: 'otlp,zipkin', OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' },
      { collect: true },
    );
    readBaseConfig(env);
    expect(() => env.throwIfInvalid()).toThrow(ConfigError);
    expect(env.problems.map((problem) => problem.variable)).toEqual([
      'OTEL_TRACES_EXPORTER',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ]);
  });
});

describe('while tracing is off', () => {
  it('runs the work with no span, stores no traceparent and adds nothing to log lines', async () => {
    expect(tracingEnabled()).toBe(false);
    const seen = await withSpan('decide user', {}, async (span) => ({
      span,
      traceparent: activeTraceparent(),
    }));
    expect(seen).toEqual({ span: undefined, traceparent: undefined });
    expect(traceLogFields()).toEqual({});
  });

  it('still reads a traceparent, and ignores a malformed one', () => {
    const context = contextOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(trace.getSpanContext(context)).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
    expect(trace.getSpanContext(contextOf('00-not-a-trace-01'))).toBeUndefined();
  });
});

describe("the OpenTelemetry SDK's modules", () => {
  /** Which of the SDK's packages a fresh copy of this module loads while `startTracing` runs with `env`. */
  async function loadedBy(env: Record<string, string>): Promise<string[]> {
    const loaded: string[] = [];
    let started: { shutdown(): Promise<void> } | undefined;
    jest.isolateModules(() => {
      for (const name of [
        '@opentelemetry/sdk-trace-node',
        '@opentelemetry/exporter-trace-otlp-http',
        '@opentelemetry/resources',
      ]) {
        jest.doMock(name, () => {
          loaded.push(name);
          return jest.requireActual(name);
        });
      }
      const fresh = jest.requireActual('./tracing') as typeof import('./tracing');
      started = fresh.startTracing('lapse-test', env);
    });
    await started?.shutdown();
    return loaded.sort();
  }

  it('are not loaded while tracing is off, and are once an exporter turns it on', async () => {
    expect(await loadedBy({})).toEqual([]);
    expect(await loadedBy({ OTEL_TRACES_EXPORTER: 'none' })).toEqual([]);
    expect(await loadedBy({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toEqual([]);
    expect(
      await loadedBy({
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces',
      }),
    ).toEqual([
      '@opentelemetry/exporter-trace-otlp-http',
      '@opentelemetry/resources',
      '@opentelemetry/sdk-trace-node',
    ]);
  });
});
