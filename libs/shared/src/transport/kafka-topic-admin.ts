import type { Admin, Kafka } from './kafkajs/client';

/** Where consumers park messages they cannot apply; created next to every topic a transport uses. */
export const DEAD_LETTER_TOPIC = 'lapse.dead-letter';

/** Topic administration: creates the topics a relay or consumer needs and waits until they are served. */
export class KafkaTopicAdmin {
  constructor(
    private readonly kafka: Kafka,
    /** Partitions for topics this admin creates. */
    private readonly partitions: number,
  ) {}

  /**
   * Creates missing topics and waits until every partition has a leader. Several services may race to
   * create the same topics at start: "already exists" is fine, a topic without leaders yet is waited for.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set([...topics, DEAD_LETTER_TOPIC])];
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.createMissingTopics(admin, wanted);
          if (await this.topicsServed(admin, wanted)) return;
        } catch (error) {
          if (attempt >= 100) throw error;
        }
        if (attempt >= 100) throw new Error(`Kafka topics have no leader yet: ${wanted.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Creates the topics not listed yet. Leaders are not awaited here: kafkajs waits for them by asking the
   * broker for metadata and gives up on "This server does not host this topic-partition", which a KRaft
   * broker answers until its metadata cache has caught up with the controller (seen in CI). `topicsServed`
   * waits for them instead. Another service creating the same topics at the same moment is fine.
   */
  private async createMissingTopics(admin: Admin, wanted: readonly string[]): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin
      .createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: this.partitions,
          replicationFactor: 1,
        })),
      })
      .catch((error: { type?: string; errors?: { type?: string }[] }) => {
        const alreadyThere = (e: { type?: string }) => e?.type === 'TOPIC_ALREADY_EXISTS';
        if (!alreadyThere(error) && !error?.errors?.every(alreadyThere)) throw error;
      });
  }

  /**
   * True when every partition of every topic has a leader that actually serves it. KRaft can announce a
   * leader in metadata a moment before that broker hosts the partition, so the leaders are asked for the
   * partitions' offsets too ("This server does not host this topic-partition" until then).
   */
  private async topicsServed(admin: Admin, topics: readonly string[]): Promise<boolean> {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const led =
        found.length === topics.length &&
        found.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0));
      if (!led) return false;
      for (const topic of topics) await admin.fetchTopicOffsets(topic);
      return true;
    } catch {
      return false;
    }
  }
}
