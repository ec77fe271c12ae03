import globalSetup from './global-setup';
import { startKafkaBroker } from './kafka-broker';

/** The fault suite's own broker port unless `FAULTS_KAFKA_PORT` says otherwise (the Kafka suite's is 19092). */
const DEFAULT_FAULTS_KAFKA_PORT = 19192;

/**
 * The fault suite's PostgreSQL plus a Kafka broker of its own (KRaft, scripts/kafka/kafka.sh), which its
 * specs stop, restart and freeze without disturbing the Kafka suite's broker. `KAFKA_BROKERS` uses an already
 * running broker instead: the specs that stop the broker then say they cannot, and skip those cases.
 */
export default async function globalSetupFaults(): Promise<void> {
  await globalSetup();
  if (process.env.KAFKA_BROKERS) {
    process.env.LAPSE_TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS;
    return;
  }
  const port = Number(process.env.FAULTS_KAFKA_PORT) || DEFAULT_FAULTS_KAFKA_PORT;
  const broker = await startKafkaBroker({ port });
  process.env.LAPSE_TEST_KAFKA_BROKERS = broker.brokers.join(',');
  process.env.LAPSE_TEST_KAFKA_PID_FILE = `${process.env.KAFKA_DATA_DIR ?? `/tmp/lapse-kafka-${port}`}/kafka.pid`;
  (globalThis as { __LAPSE_KAFKA__?: { stop(): Promise<void> } }).__LAPSE_KAFKA__ = broker;
}
