import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus registry (prom-client): Node's default process metrics, the HTTP request
 * histogram, and what each service registers. One registry per app, so the all-in-one app has one scrape
 * with every service's figures. Labels are route templates, statuses, topics, channels and outcomes: never a
 * user id, a login or a secret.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.http = new Histogram({
      name: 'lapse_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  /** A counter, created on first use (the same name always has the same labels). */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<L>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /**
   * A gauge read at scrape time by `collect` (which sets its values), created once per name. When `collect`
   * fails, the gauge has no samples in that scrape.
   */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (gauge: Gauge<L>) => Promise<void> | void,
  ): Gauge<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Gauge<L>;
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      // A source that cannot be read (database or broker down) leaves this gauge without samples for this
      // scrape; the rest of the scrape is still answered.
      async collect() {
        await Promise.resolve(collect(this)).catch(() => this.reset());
      },
    });
  }

  /** Express middleware timing every request, labelled with the route template it matched. */
  httpTimer(): (request: Request, response: Response, next: NextFunction) => void {
    return (request, response, next) => {
      const end = this.http.startTimer();
      response.once('finish', () => {
        end({ method: request.method, route: routeTemplate(request), status: String(response.statusCode) });
      });
      next();
    };
  }
}

/** `/api/v1/users/:id` rather than the path asked for (which carries ids and tokens); unmatched: `none`. */
function routeTemplate(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${request.baseUrl}${path}` : 'none';
}
