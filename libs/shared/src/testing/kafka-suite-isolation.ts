import { Kafka, logLevel } from '../transport/kafkajs/client';

/**
 * Each Kafka spec file starts on topics that hold nothing yet, as on a new broker. The files share one broker
 * (they run in band) and the services of every file use the same topic and consumer-group names. Before
 * 6beecd3 a file's fresh identity resumed at the offsets the previous file's identity had committed, and its
 * lag counted the previous file's messages on partitions it never read (66,356 of the 100,000-user
 * multi-instance file's, in one CI run); since then a consumer with a fresh database reads every partition from
 * its start, so without this it would first apply every earlier file's messages.
 *
 * The records are deleted up to each partition's high watermark (the broker moves the log start offset;
 * consumers of an emptied partition start at its end). Only on the suite's own broker: a broker named by
 * `KAFKA_BROKERS` belongs to the developer, and its topics are left alone.
 */
beforeAll(async () => {
  if (process.env.LAPSE_TEST_KAFKA_OWN_BROKER !== '1') return;
  const kafka = new Kafka({
    clientId: 'lapse-test-suite-isolation',
    brokers: (process.env.LAPSE_TEST_KAFKA_BROKERS as string).split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of await admin.listTopics()) {
      if (topic.startsWith('__')) continue;
      const partitions = (await admin.fetchTopicOffsets(topic))
        .filter((offsets) => offsets.high !== offsets.low)
        .map((offsets) => ({ partition: offsets.partition, offset: offsets.high }));
      if (partitions.length > 0) await admin.deleteTopicRecords({ topic, partitions });
    }
  } finally {
    await admin.disconnect();
  }
}, 60_000);
