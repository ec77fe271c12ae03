import crc32c = require('./crc32c');
import groupMessagesPerPartition = require('./group-messages-per-partition');
import produceRequest = require('./produce-request');
import decodeRecord = require('./record-decoder');
import encodeRecord = require('./record-encoder');

/**
 * kafkajs 2.2 modules the relay's produce path and the consumers' fetch path spend most of their CPU in, and the
 * drop-ins that write the same bytes, read the same records and group the same way (each has a spec comparing
 * it with the original). They are put in Node's module cache before kafkajs itself loads (`./client`, the only
 * module that imports kafkajs: its producer binds the grouping when it loads; the codec modules it requires
 * lazily). Jest keeps its own module registry: its Kafka project resolves the same files to the drop-ins
 * (`kafkajs-drop-ins.resolver.js`, same list).
 */
export const KAFKAJS_DROP_INS: readonly [string, unknown][] = [
  ['kafkajs/src/protocol/recordBatch/record/v0/index.js', encodeRecord],
  ['kafkajs/src/protocol/recordBatch/record/v0/decoder.js', decodeRecord],
  ['kafkajs/src/protocol/recordBatch/crc32C/index.js', crc32c],
  ['kafkajs/src/protocol/requests/produce/v3/request.js', produceRequest],
  ['kafkajs/src/producer/groupMessagesPerPartition.js', groupMessagesPerPartition],
];

let installed: boolean | null = null;

/**
 * Puts the drop-ins in place (once per process). Answers whether all of them are in effect: not when kafkajs
 * is another version (it keeps its own code), nor when its producer was loaded before the first call (its
 * grouping is then kafkajs's own: the same result, only slower).
 */
export function installKafkajsDropIns(): boolean {
  installed ??= install();
  return installed;
}

function install(): boolean {
  // The drop-ins follow kafkajs 2.2's internals; any other version keeps its own code.
  if (!String(require('kafkajs/package.json').version).startsWith('2.2.')) return false;
  const grouping = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
  const producerBound =
    require.cache[require.resolve('kafkajs/src/producer/sendMessages.js')] !== undefined &&
    require.cache[grouping]?.exports !== groupMessagesPerPartition;
  for (const [request, replacement] of KAFKAJS_DROP_INS) {
    const filename = require.resolve(request);
    if (replacement === produceRequest) {
      // kafkajs's own request stays in use for compressed batches.
      const original = require(filename);
      if (original !== produceRequest) produceRequest.useKafkajsRequestFor(original);
    }
    require.cache[filename] = {
      id: filename,
      filename,
      loaded: true,
      exports: replacement,
      children: [],
      paths: [],
    } as unknown as NodeJS.Module;
  }
  return !producerBound;
}
