import { percentile, round } from '../infra';
import { RawHttpLane } from '../raw-http-lane';

export interface LoadFigures {
  readonly concurrency: number;
  readonly seconds: number;
  readonly signInsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly signIns: number;
  /** Answers other than 200 (each counted, none retried, none in the rate or the latencies). */
  readonly failures: number;
  /** Those answers by status (a 429 or 503 is the server shedding load; a 5xx an error). */
  readonly failuresByStatus: Record<string, number>;
}

/**
 * Sign-ins back to back over `concurrency` keep-alive connections for `seconds`, rotating over `requests`
 * (one a user): each connection sends its next request when the last one's answer is in, so the rate is
 * what the server sustains at that concurrency and the latency is each request's round trip, from writing
 * it to the end of its answer. The client is the sign-in bench's (`RawHttpLane`): pre-built requests, only
 * the status read, so it takes little of the cores it shares with the server.
 */
export async function signInLoad(
  url: string,
  requests: readonly Buffer[],
  concurrency: number,
  seconds: number,
): Promise<LoadFigures> {
  const lanes = await Promise.all(Array.from({ length: concurrency }, () => RawHttpLane.open(url)));
  const latencies: number[] = [];
  const failuresByStatus: Record<string, number> = {};
  let failures = 0;
  let turn = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  try {
    await Promise.all(
      lanes.map(async (lane) => {
        while (performance.now() < end) {
          const request = requests[turn++ % requests.length];
          const sent = performance.now();
          const status = await lane.send(request);
          if (status === 200) latencies.push(performance.now() - sent);
          else {
            failures++;
            failuresByStatus[status] = (failuresByStatus[status] ?? 0) + 1;
          }
        }
      }),
    );
  } finally {
    for (const lane of lanes) lane.close();
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    seconds: round(elapsed),
    signInsPerSec: round(latencies.length / elapsed, 1),
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN, 1),
    signIns: latencies.length,
    failures,
    failuresByStatus,
  };
}
