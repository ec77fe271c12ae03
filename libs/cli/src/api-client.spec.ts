import { ApiClient, nextLink, rateLimitWaitMs } from './api-client';

describe('the next page of an Okta list (the Link header\'s rel="next")', () => {
  it('is read from the header Lapse sends', () => {
    expect(
      nextLink(
        '<http://lapse/api/v1/users?limit=2>; rel="self", <http://lapse/api/v1/users?limit=2&after=b>; rel="next"',
      ),
    ).toBe('http://lapse/api/v1/users?limit=2&after=b');
  });

  it('is absent on the last page or without the header', () => {
    expect(nextLink('<http://lapse/api/v1/users?limit=2>; rel="self"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });
});

describe("a request over Okta's rate limit (429 E0000047)", () => {
  const limited = (reset: number) =>
    new Response(JSON.stringify({ errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit' }), {
      status: 429,
      headers: { 'X-Rate-Limit-Reset': String(reset) },
    });

  it('waits until X-Rate-Limit-Reset and sends it again', async () => {
    const now = 1_000_000_000_000;
    const answers = [limited(now / 1000 + 12), new Response('[]', { status: 200 })];
    const waits: number[] = [];
    const notes: string[] = [];
    const client = new ApiClient(
      { url: 'http://lapse', token: 't' },
      {
        fetch: async () => answers.shift() as Response,
        sleep: async (ms) => {
          waits.push(ms);
        },
        now: () => now,
        onWait: (text) => notes.push(text),
      },
    );
    const answer = await client.request('GET', '/api/v1/users');
    expect(answer.status).toBe(200);
    expect(waits).toEqual([12_000]);
    expect(notes).toEqual(['rate limited (429): waiting 12 s before retry 1']);
  });

  it('gives up with the API error after ten waits', async () => {
    const client = new ApiClient(
      { url: 'http://lapse', token: 't' },
      { fetch: async () => limited(0), sleep: async () => {}, now: () => 0 },
    );
    await expect(client.request('GET', '/api/v1/users')).rejects.toThrow(
      /^E0000047 API call exceeded rate limit \(HTTP 429\)$/,
    );
  });
});

describe('a link the API gives', () => {
  it('is followed on the configured URL only: the token never goes to another host', async () => {
    const asked: string[] = [];
    const client = new ApiClient(
      { url: 'http://127.0.0.1:8080', token: 't' },
      {
        fetch: async (input) => {
          asked.push(String(input));
          return new Response('[]', { status: 200 });
        },
      },
    );
    await client.request('GET', 'https://elsewhere.example/api/v1/users?after=b');
    expect(asked).toEqual(['http://127.0.0.1:8080/api/v1/users?after=b']);
  });
});

describe('the wait a 429 asks for', () => {
  it('is at least 1 s and at most 65 s', () => {
    expect(rateLimitWaitMs(new Headers({ 'x-rate-limit-reset': '100' }), 100_500)).toBe(1_000);
    expect(rateLimitWaitMs(new Headers({ 'retry-after': '600' }), 0)).toBe(65_000);
    expect(rateLimitWaitMs(new Headers(), 0)).toBe(1_000);
  });
});
