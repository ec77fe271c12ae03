import crc32c = require('./crc32c');
import produceRequest = require('./produce-request');
import decodeRecord = require('./record-decoder');
import encodeRecord = require('./record-encoder');

/**
 * kafkajs 2.2 modules the relay's produce path and the consumers' fetch path spend most of their CPU in, and the
 * drop-ins that write the same bytes and read the same records (each has a spec comparing it with the original).
 * kafkajs requires them lazily, when the first produce request is built or the first fetch response decoded, so
 * replacing their entries in Node's module cache before that is enough. Jest keeps its own module registry: its
 * Kafka project resolves the same files to the drop-ins (`kafkajs-drop-ins.resolver.js`, same list).
 */
export const KAFKAJS_DROP_INS: readonly [string, unknown][] = [
  ['kafkajs/src/protocol/recordBatch/record/v0/index.js', encodeRecord],
  ['kafkajs/src/protocol/recordBatch/record/v0/decoder.js', decodeRecord],
  ['kafkajs/src/protocol/recordBatch/crc32C/index.js', crc32c],
  ['kafkajs/src/protocol/requests/produce/v3/request.js', produceRequest],
];

/** Puts the drop-ins in place (idempotent); call before the first message is produced or fetched in this process. */
export function installKafkajsCodec(): void {
  // The drop-ins follow kafkajs 2.2's internals; any other version keeps its own code.
  if (!String(require('kafkajs/package.json').version).startsWith('2.2.')) return;
  for (const [request, replacement] of KAFKAJS_DROP_INS) {
    const filename = require.resolve(request);
    if (require.cache[filename]?.exports === replacement) continue;
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
}
