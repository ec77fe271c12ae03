/**
 * What a migration is: a class whose `name` ends in a 13-digit JavaScript timestamp (the order it runs in)
 * and whose `up` and `down` send SQL through the connection of the transaction they run in. The shape of
 * TypeORM's `MigrationInterface`, which ran them until ADR 11; `runMigrations` (migrate.ts) runs them.
 */
export interface MigrationInterface {
  /** The class's name unless set; ends in the migration's timestamp, e.g. `EventStore1700000000000`. */
  name?: string;
  up(db: QueryRunner): Promise<void>;
  down(db: QueryRunner): Promise<void>;
}

/** The migration's transaction: one statement at a time, `$1`-style parameters, the rows it returns. */
export interface QueryRunner {
  query<Row = Record<string, unknown>>(sql: string, parameters?: readonly unknown[]): Promise<Row[]>;
}
