import type { ServiceManifest } from '@lapse/shared';

export const notifierManifest: ServiceManifest = {
  name: 'notifier',
  migrations: [],
  publications: [],
  publishedTopics: [],
};
