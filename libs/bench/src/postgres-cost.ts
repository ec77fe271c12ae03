import type { Queryable } from '@lapse/shared/database/pg';
import type { Pool } from 'pg';
import { postgresCpuSeconds } from './infra';

/** What `work` cost: its wall time, the CPU of every PostgreSQL process (/proc) and the WAL written meanwhile. */
export async function measure<T>(
  pool: Pool,
  postmaster: number,
  work: () => Promise<T>,
): Promise<{ outcome: T; seconds: number; cpu: number; wal: number }> {
  const { rows } = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn');
  const cpuBefore = await postgresCpuSeconds(postmaster);
  const started = performance.now();
  const outcome = await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await postgresCpuSeconds(postmaster)) - cpuBefore;
  const wal = Number(
    (
      await pool.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS bytes', [
        rows[0].lsn,
      ])
    ).rows[0].bytes,
  );
  return { outcome, seconds, cpu, wal };
}

/** A node of PostgreSQL's JSON plan, as far as the benchmarks read it. */
export interface PlanNode {
  'Node Type': string;
  'Subplan Name'?: string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows': number;
  Plans?: PlanNode[];
}

/** PostgreSQL's JSON plan of one statement: its top node (with the BUFFERS and WAL counters) and time. */
export interface ExplainedPlan {
  Plan: PlanNode & Record<string, number>;
  'Execution Time': number;
}

/**
 * EXPLAIN (ANALYZE, BUFFERS, WAL) of the batch statement `work` sends (the one starting with `WITH `), in a
 * transaction that is rolled back: that statement is explained instead of run and answers `placeholderRows`;
 * every other statement runs as sent. Null when `work` sent no such statement.
 */
export async function explainBatchStatement(
  pool: Pool,
  placeholderRows: object[],
  work: (explaining: Queryable) => Promise<unknown>,
): Promise<ExplainedPlan | null> {
  const client = await pool.connect();
  let plan: ExplainedPlan | null = null;
  try {
    await client.query('BEGIN');
    const explaining: Queryable = {
      query: (async (text: string, params: unknown[]) => {
        if (!/^WITH /.test(text.trim())) return client.query(text, params);
        const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) ${text}`, params);
        plan = rows[0]['QUERY PLAN'][0];
        return { rows: placeholderRows };
      }) as never,
    } as Queryable;
    await work(explaining);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
  return plan;
}
