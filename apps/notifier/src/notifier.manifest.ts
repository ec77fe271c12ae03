import { type ServiceManifest, TOPICS } from '@lapse/shared';
import { NotifierDeliveries1700000300000 } from './migrations/1700000300000-notifier-deliveries';
import { notifierPublication } from './notifier.publication';

export const notifierManifest: ServiceManifest = {
  name: 'notifier',
  migrations: [NotifierDeliveries1700000300000],
  publications: [notifierPublication],
  publishedTopics: [TOPICS.notifierDeliveries],
};
