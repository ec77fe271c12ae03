import { request } from 'node:http';

/** What the gateway (or a service behind it) answered. */
export interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/**
 * One HTTP request from a chosen local address (Linux answers on all of 127.0.0.0/8): a client the
 * gateway sees as 127.0.0.2 while the gateway itself reaches the services from 127.0.0.1, so the address
 * a service records can only be the one the gateway forwarded. `fetch` cannot choose its source address.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method ?? 'GET',
        localAddress,
        headers: {
          accept: 'application/json',
          ...(options.body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) }),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** The answer is Okta's error envelope with this status and code, as JSON (not nginx's HTML page). */
export async function expectOktaError(
  answer: Response | Answer,
  status: number,
  errorCode: string,
): Promise<void> {
  const contentType = answer instanceof Response ? answer.headers.get('content-type') : answer.contentType;
  const text = answer instanceof Response ? await answer.text() : answer.body;
  expect({ status: answer.status, contentType }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/json/),
  });
  expect(JSON.parse(text)).toEqual({
    errorCode,
    errorSummary: expect.any(String),
    errorLink: errorCode,
    errorId: expect.stringMatching(/^oae\w+$/),
    errorCauses: [],
  });
}
