import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { DIRECTORY_EVENT_TYPES } from './directory.v1';
import { IDENTITY_EVENT_TYPES } from './identity.v1';
import { NOTIFIER_EVENT_TYPES } from './notifier.v1';
import { CONTRACT_SCHEMAS, HEADERS_SCHEMA, renderAsyncApi, toYaml } from './schemas';

const DOCUMENT = join(__dirname, '../../../../docs/asyncapi.yaml');

describe('the published contract schemas', () => {
  it('cover every published event type', () => {
    expect(Object.keys(CONTRACT_SCHEMAS).sort()).toEqual(
      [
        ...Object.values(DIRECTORY_EVENT_TYPES),
        ...Object.values(NOTIFIER_EVENT_TYPES),
        ...Object.values(IDENTITY_EVENT_TYPES),
      ].sort(),
    );
  });

  it('compile as JSON Schemas', () => {
    const ajv = addFormats(new Ajv({ strict: true, allowUnionTypes: true }));
    for (const schema of [HEADERS_SCHEMA, ...Object.values(CONTRACT_SCHEMAS)])
      expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('are exactly what docs/asyncapi.yaml describes', async () => {
    if (process.env.UPDATE_ASYNCAPI === '1') await writeFile(DOCUMENT, renderAsyncApi());
    expect(await readFile(DOCUMENT, 'utf8')).toBe(renderAsyncApi());
  });
});

describe('the YAML rendering', () => {
  it('writes nested objects, arrays and quoted strings', () => {
    expect(toYaml({ a: { b: [1, 'x'], 'c d': null, e: [] } })).toBe(
      'a:\n  b:\n    - 1\n    - "x"\n  "c d": null\n  e: []\n',
    );
  });
});
