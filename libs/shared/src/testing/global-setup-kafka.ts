import globalSetup from './global-setup';
import { startKafkaBroker } from './kafka-broker';

/**
 * PostgreSQL plus one real Apache Kafka broker (KRaft, from Maven Central jars) for the Kafka suite.
 * `KAFKA_BROKERS` uses an already running broker instead.
 */
export default async function globalSetupKafka(): Promise<void> {
  await globalSetup();
  if (process.env.KAFKA_BROKERS) {
    process.env.LAPSE_TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS;
    return;
  }
  const broker = await startKafkaBroker();
  process.env.LAPSE_TEST_KAFKA_BROKERS = broker.brokers.join(',');
  // Each spec file may empty this broker's topics before it starts (kafka-suite-isolation.ts).
  process.env.LAPSE_TEST_KAFKA_OWN_BROKER = '1';
  (globalThis as { __LAPSE_KAFKA__?: { stop(): Promise<void> } }).__LAPSE_KAFKA__ = broker;
}
