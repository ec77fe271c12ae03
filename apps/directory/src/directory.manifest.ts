import type { ServiceManifest } from '@lapse/shared';
import { DIRECTORY_MIGRATIONS } from './database/directory.migrations';
import { DIRECTORY_PUBLISHED_TOPICS, directoryPublication } from './directory.publication';

export const directoryManifest: ServiceManifest = {
  name: 'directory',
  migrations: DIRECTORY_MIGRATIONS,
  publications: [directoryPublication],
  publishedTopics: DIRECTORY_PUBLISHED_TOPICS,
};
