import { checkpointOnCommit, loadCheckpoint } from '../messaging/checkpoints';
import { createTestDatabase } from '../testing/test-database';
import { arrayLiteral, commitWith, createPool, warmPool, withTransaction } from './pg';

async function connectionsTo(url: string): Promise<number> {
  const observer = createPool(url, 1);
  try {
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'lapse'`,
    );
    return rows[0].n;
  } finally {
    await observer.end();
  }
}

describe("a service's connection pool", () => {
  it('opens its connections at start and keeps them open when idle, where a plain pool closes them after 10 s', async () => {
    const url = await createTestDatabase([], 'pool');
    const kept = createPool(url, 3, { keepOpen: true });
    const plain = createPool(`${url}?application_name=plain`, 3);
    try {
      await warmPool(kept, 3);
      await warmPool(plain, 3);
      expect(await connectionsTo(url)).toBe(3);
      expect(plain.totalCount).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 10_500));
      expect(await connectionsTo(url)).toBe(3);
      expect([kept.totalCount, kept.idleCount]).toEqual([3, 3]);
      expect(plain.totalCount).toBe(0);
    } finally {
      await kept.end();
      await plain.end();
    }
  }, 30_000);
});

describe('a checked-out client whose backend ends between two queries', () => {
  it('fails its next query instead of the process, and the pool goes on with a new connection', async () => {
    const url = await createTestDatabase([], 'pool_terminated');
    const pool = createPool(url, 1);
    const admin = createPool(url, 1);
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // What a server restart or failover does to the transaction's connection while its work awaits
      // something else: before the fix, the 'error' event had no listener and ended the process.
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release();
      const after = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(after.rows[0].pid).not.toBe(rows[0].pid);
    } finally {
      await pool.end();
      await admin.end();
    }
  });
});

describe('a statement sent with the COMMIT (commitWith)', () => {
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase([], 'commit_with');
  });

  it('runs after the work, in its transaction, and commits both', async () => {
    const pool = createPool(url, 1);
    try {
      await pool.query('CREATE TABLE made (n int); CREATE TABLE counted (n int)');
      await withTransaction(pool, async (tx) => {
        commitWith(tx, 'INSERT INTO counted SELECT count(*) FROM made');
        await tx.query('INSERT INTO made VALUES (1), (2)');
      });
      expect((await pool.query('SELECT n FROM counted')).rows).toEqual([{ n: 2 }]);
      expect((await pool.query('SELECT count(*)::int AS n FROM made')).rows).toEqual([{ n: 2 }]);
    } finally {
      await pool.end();
    }
  });

  it('fails the transaction when it fails: nothing of the work is kept, and the next one starts clean', async () => {
    const pool = createPool(url, 1);
    try {
      await pool.query('CREATE TABLE kept (n int PRIMARY KEY)');
      await expect(
        withTransaction(pool, async (tx) => {
          await tx.query('INSERT INTO kept VALUES (1)');
          commitWith(tx, 'INSERT INTO kept VALUES (1)');
        }),
      ).rejects.toThrow(/duplicate key/);
      expect((await pool.query('SELECT count(*)::int AS n FROM kept')).rows).toEqual([{ n: 0 }]);
      // The same connection (a pool of one), no statement left over from the failed transaction.
      await withTransaction(pool, (tx) => tx.query('INSERT INTO kept VALUES (2)'));
      expect((await pool.query('SELECT n FROM kept')).rows).toEqual([{ n: 2 }]);
    } finally {
      await pool.end();
    }
  });

  it('is not run when the work fails after asking for it', async () => {
    const pool = createPool(url, 1);
    try {
      await pool.query('CREATE TABLE never (n int)');
      await expect(
        withTransaction(pool, async (tx) => {
          commitWith(tx, 'INSERT INTO never VALUES (1)');
          throw new Error('the work failed');
        }),
      ).rejects.toThrow('the work failed');
      expect((await pool.query('SELECT count(*)::int AS n FROM never')).rows).toEqual([{ n: 0 }]);
    } finally {
      await pool.end();
    }
  });

  it('carries a checkpoint whose names and position hold quotes and backslashes, exactly', async () => {
    const pool = createPool(url, 1);
    const consumer = `it's a \\ consumer"; DROP TABLE lapse_checkpoints; --`;
    const positions = new Map([
      ["kafka:o'brien\\topic:0", "12'34"],
      ['kafka:plain:1', '99'],
    ]);
    try {
      await withTransaction(pool, async (tx) => checkpointOnCommit(tx, consumer, positions));
      for (const [source, position] of positions)
        expect(await loadCheckpoint(pool, consumer, source)).toBe(position);
      await withTransaction(pool, async (tx) =>
        checkpointOnCommit(tx, consumer, new Map([['kafka:plain:1', '100']])),
      );
      expect(await loadCheckpoint(pool, consumer, 'kafka:plain:1')).toBe('100');
    } finally {
      await pool.end();
    }
  });
});

describe('arrayLiteral', () => {
  const tricky = [
    'plain',
    '',
    'NULL',
    'null',
    ' padded ',
    'a,b',
    '{braces}',
    'say "hi"',
    'back\\slash\\',
    'tab\there',
    'new\nline',
    'ünïcödé ✓',
    '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    'okta-1@bench.example',
    null,
  ];

  it('gives PostgreSQL the same arrays node-postgres does, for every kind of element', async () => {
    const pool = createPool(await createTestDatabase([], 'array_literal'), 1);
    try {
      const cases: [string, (string | number | boolean | null)[]][] = [
        ['text[]', tricky],
        ['int[]', [1, -2, 0, null, 2147483647]],
        ['timestamptz[]', ['2026-11-27T22:59:39.123Z', null, '2026-01-01T00:00:00.000+01:00']],
        ['boolean[]', [true, false, null]],
        ['text[]', []],
      ];
      for (const [type, values] of cases) {
        const { rows } = await pool.query<{ ours: unknown[]; theirs: unknown[] }>(
          `SELECT $1::${type} AS ours, $2::${type} AS theirs`,
          [arrayLiteral(values), values],
        );
        expect(rows[0].ours).toEqual(rows[0].theirs);
        expect(rows[0].ours).toHaveLength(values.length);
      }
      const { rows } = await pool.query<{ texts: unknown[] }>('SELECT $1::text[] AS texts', [
        arrayLiteral(tricky),
      ]);
      expect(rows[0].texts).toEqual(tricky);
    } finally {
      await pool.end();
    }
  });
});
