#!/usr/bin/env node

const { Kafka, logLevel } = require('kafkajs');

const broker = process.argv[2] || '127.0.0.1:19092';
const timeoutMs = Number(process.argv[3] || 60000);
const deadline = Date.now() + timeoutMs;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe() {
  const kafka = new Kafka({
    clientId: 'lapse-kafka-wait-ready',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller == null || cluster.controller < 0) {
      throw new Error(`cluster not ready yet: ${JSON.stringify(cluster)}`);
    }
    await admin.listTopics();
    return cluster;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function main() {
  let lastError;
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts += 1;
    try {
      const cluster = await probe();
      process.stdout.write(
        `kafka answered after ${attempts} attempt(s): cluster ${cluster.clusterId}, controller ${cluster.controller}\n`,
      );
      return 0;
    } catch (error) {
      lastError = error;
      await sleep(250);
    }
  }
  const message = lastError instanceof Error ? lastError.message : String(lastError);
  process.stderr.write(
    `kafka not ready on ${broker} after ${timeoutMs} ms (${attempts} attempts): ${message}\n`,
  );
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`wait-ready: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
