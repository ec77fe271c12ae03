import type { MigrationClass } from '../database/migrate';
import type { Publication } from '../messaging/message';

/** What a service brings to the process that hosts it: its migrations and what it publishes. */
export interface ServiceManifest {
  readonly name: 'directory' | 'identity' | 'notifier';
  readonly migrations: readonly MigrationClass[];
  readonly publications: readonly Publication[];
  readonly publishedTopics: readonly string[];
}
