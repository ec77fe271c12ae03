import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/**
 * A free port in 20000–29999, below the kernel's ephemeral range (32768 and up), with the next one free too
 * when `pair` (a Kafka broker's controller listens there). For a port chosen now and bound only seconds later
 * (a gateway or broker started after other processes): a port from `freePort` is an ephemeral one, which any
 * outgoing connection made meanwhile may take.
 */
export async function freePortOutsideEphemeral(options: { pair?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 5_000);
    if ((await canListen(port)) && (!options.pair || (await canListen(port + 1)))) return port;
  }
  throw new Error('no free port in 20000–29999');
}
