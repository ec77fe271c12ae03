import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RawHttpLane } from './raw-http-lane';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`),
    ),
  );
}

describe('RawHttpLane (the load generator of the sign-in bench)', () => {
  let server: Server;
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reconnects when the server has closed the connection between requests', async () => {
    let connections = 0;
    server = createServer((_request, response) => {
      // What a server does to a keep-alive connection idle past its timeout: close it after the answer.
      response.setHeader('Connection', 'close');
      response.setHeader('Content-Type', 'application/json');
      response.end('{}');
    });
    server.on('connection', () => connections++);
    const url = await listen(server);
    const lane = await RawHttpLane.open(url);
    const request = RawHttpLane.post(url, { a: 1 });
    expect(await lane.send(request)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await lane.send(request)).toBe(200);
    expect(connections).toBe(2);
    lane.close();
  });

  it('fails a request that gets no answer instead of waiting for ever', async () => {
    server = createServer(() => {
      /* never answers */
    });
    const url = await listen(server);
    const lane = await RawHttpLane.open(url, 200);
    await expect(lane.send(RawHttpLane.post(url, {}))).rejects.toThrow('no answer within 200 ms');
    lane.close();
    server.closeAllConnections();
  });
});
