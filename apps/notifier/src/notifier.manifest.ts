import { type ServiceManifest, TOPICS } from '@lapse/shared';
import { NotifierDeliveries1700000300000 } from './migrations/1700000300000-notifier-deliveries';
import { ResetLinkEmails1700000300001 } from './migrations/1700000300001-reset-link-emails';
import { DeliveryJobClaims1700000300002 } from './migrations/1700000300002-delivery-job-claims';
import { ExpiryReminders1700000300302 } from './migrations/1700000300302-expiry-reminders';
import { GroupPolicyReminders1740000000201 } from './migrations/1740000000201-group-policy-reminders';
import { DeliveryJobTrace1740000000300 } from './migrations/1740000000300-delivery-job-trace';
import { notifierPublication } from './notifier.publication';

export const notifierManifest: ServiceManifest = {
  name: 'notifier',
  migrations: [
    NotifierDeliveries1700000300000,
    ResetLinkEmails1700000300001,
    DeliveryJobClaims1700000300002,
    ExpiryReminders1700000300302,
    GroupPolicyReminders1740000000201,
    DeliveryJobTrace1740000000300,
  ],
  publications: [notifierPublication],
  publishedTopics: [TOPICS.notifierDeliveries],
};
