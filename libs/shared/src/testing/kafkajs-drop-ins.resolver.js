// Jest resolver for the Kafka project: resolves as usual, then hands out Lapse's drop-ins for the kafkajs 2.2
// modules Lapse replaces in Node's module cache (libs/shared/src/transport/kafkajs/install.ts,
// whose KAFKAJS_DROP_INS lists the same files; a unit spec checks that both lists agree). Jest keeps its own
// module registry, so editing Node's cache does not reach the code under test.
const { join, sep } = require('node:path');

const DROP_INS = {
  'kafkajs/src/protocol/recordBatch/record/v0/index.js': 'record-encoder.ts',
  'kafkajs/src/protocol/recordBatch/record/v0/decoder.js': 'record-decoder.ts',
  'kafkajs/src/protocol/recordBatch/crc32C/index.js': 'crc32c.ts',
  'kafkajs/src/protocol/requests/produce/v3/request.js': 'produce-request.ts',
  'kafkajs/src/producer/groupMessagesPerPartition.js': 'group-messages-per-partition.ts',
};

function resolve(request, options) {
  const resolved = options.defaultResolver(request, options);
  const at = resolved.lastIndexOf(`${sep}node_modules${sep}`);
  if (at < 0) return resolved;
  const inPackages = resolved
    .slice(at + `${sep}node_modules${sep}`.length)
    .split(sep)
    .join('/');
  const dropIn = DROP_INS[inPackages];
  return dropIn ? join(__dirname, '..', 'transport', 'kafkajs', dropIn) : resolved;
}

module.exports = resolve;
module.exports.DROP_INS = DROP_INS;
