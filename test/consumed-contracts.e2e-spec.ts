import { CHANNELS, CONSUMERS } from '@lapse/shared/contracts/schemas';
import { type ConsumerDefinition, MessagingService } from '@lapse/shared/nest/messaging.service';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';

/**
 * The receive operations of docs/asyncapi.yaml (rendered from CONSUMERS, checked by schemas.spec.ts) against
 * the consumers the running services register: every handler documented, nothing documented that no
 * handler reads. The notifier's PasswordExpired handler exists only with NOTIFY_ON_ADMIN_EXPIRY=true.
 */
describe('the documented receive operations', () => {
  let lapse: TestApp;
  beforeAll(async () => {
    lapse = await startTestApp({ env: { NOTIFY_ON_ADMIN_EXPIRY: 'true' } });
  });
  afterAll(() => lapse?.close());

  it('are exactly the consumers and handlers the services register', () => {
    // MessagingService keeps its consumers private: read here only, to compare them with the document.
    const definitions = (lapse.app.get(MessagingService) as unknown as { definitions: ConsumerDefinition[] })
      .definitions;
    const registered = definitions
      .flatMap((definition) =>
        Object.keys(definition.handlers).map((type) => {
          const channel = Object.entries(CHANNELS).find(
            ([, spec]) => definition.topics.includes(spec.topic) && spec.messages.includes(type),
          );
          return `${definition.name} ${channel?.[0] ?? 'no channel'} ${type}`;
        }),
      )
      .sort();
    const documented = CONSUMERS.flatMap((spec) =>
      spec.messages.map((type) => `${spec.consumer} ${spec.channel} ${type}`),
    ).sort();
    expect(registered).toEqual(documented);
  });
});
