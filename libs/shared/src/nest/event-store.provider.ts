import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../database/pg';
import { CLOCK, type Clock, ID_SOURCE, type IdSource } from '../event-sourcing/clock';
import { CommandHandler } from '../event-sourcing/command-handler';
import { PostgresEventStore } from '../event-store/event-store';
import { PG_POOL } from './tokens';

/** The event store and the generic command handler over this process's database. */
@Injectable()
export class EventStoreProvider {
  readonly store: PostgresEventStore;
  readonly commands: CommandHandler;

  constructor(
    @Inject(PG_POOL) readonly pool: Pool,
    @Inject(CLOCK) clock: Clock,
    @Inject(ID_SOURCE) ids: IdSource,
  ) {
    this.store = new PostgresEventStore(pool);
    this.commands = new CommandHandler(this.store, (work) => this.transaction(work), clock, ids);
  }

  transaction<T>(work: (tx: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, work);
  }
}
