import { createTestDatabase } from '../testing/test-database';
import { createPool, warmPool } from './pg';

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
