// Specs on real PostgreSQL and Kafka wait for real I/O on a shared 2-core machine: jest's 5 s default is
// tighter than a busy CI run needs (a spec once timed out at 5 s there). A spec that hangs still fails, at 20 s.
jest.setTimeout(20_000);
