import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The core (`@lapse/shared/core`) and every `domain/` folder import nothing that does I/O or belongs to a
 * framework: biome.json's override refuses it. This runs the real biome with the project's configuration
 * on files written where the override's globs point (in a copy of the layout under a temporary directory,
 * so the working tree is never touched), so a glob that stops matching or a rule that is switched off fails
 * here rather than silently.
 */
const root = join(__dirname, '../../../..');
const biome = join(root, 'node_modules/.bin/biome');

const forbidden = [
  "import { Injectable } from '@nestjs/common';",
  "import { CommandBus } from '@nestjs/cqrs';",
  "import { Pool } from 'pg';",
  "import { DataSource } from 'typeorm';",
  "import { Kafka } from 'kafkajs';",
  "import { EventStore } from '@lapse/shared';",
  "import { createPool } from '@lapse/shared/database/pg';",
  "import { fold } from '@lapse/shared/event-sourcing/decider';",
  "import { readFileSync } from 'node:fs';",
  "import { readFile } from 'node:fs/promises';",
  "import { randomUUID } from 'node:crypto';",
  "import { request } from 'node:http';",
  "import { hostname } from 'os';",
  "import { compactDecrypt } from 'jose';",
  "import { createTransport } from 'nodemailer';",
  "import type { Request } from 'express';",
  "import { hash } from '@node-rs/argon2';",
];
const allowed = [
  "import { assertNever, type Decider, DomainError } from '@lapse/shared/core';",
  "import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';",
  "import { decide } from './user.decider';",
];

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'lapse-core-lint-'));
  const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
  delete config.vcs; // the copy is not a git repository
  writeFileSync(join(workspace, 'biome.json'), JSON.stringify(config));
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

/** Lints `source` as the file `path` (relative to the project root); the restricted-import diagnostics. */
function restrictedImportLines(path: string, source: string): number[] {
  const file = join(workspace, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  const run = spawnSync(biome, ['lint', '--max-diagnostics=none', '--colors=off', path], {
    cwd: workspace,
    encoding: 'utf8',
  });
  const output = `${run.stdout}${run.stderr}`;
  if (/configuration resulted in errors|deserialize/.test(output)) throw new Error(output);
  return [...output.matchAll(/:(\d+):\d+ lint\/style\/noRestrictedImports/g)]
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
}

const lines = (count: number, from = 1) => Array.from({ length: count }, (_, i) => from + i);
const source = (imports: readonly string[]) => `${imports.join('\n')}\n`;

describe('the framework-free core', () => {
  describe.each([
    'apps/directory/src/user/domain/user.decider.ts',
    'apps/notifier/src/delivery/domain/delivery.decider.spec.ts',
    'apps/some-new-service/src/anything/domain/deep/new.decider.ts',
    'libs/shared/src/core/index.ts',
    'libs/shared/src/errors.ts',
    'libs/shared/src/event-sourcing/decider.ts',
    'libs/shared/src/contracts/directory.v1.ts',
  ])('in %s', (path) => {
    it('refuses every framework, I/O and barrel import', () => {
      expect(restrictedImportLines(path, source(forbidden))).toEqual(lines(forbidden.length));
    });

    it('accepts the core entry point, the spec helper and its own folder', () => {
      expect(restrictedImportLines(path, source(allowed))).toEqual([]);
    });
  });

  it('leaves the adapters around the domain free to use frameworks', () => {
    const controller = 'apps/directory/src/user/expire-password/expire-password.http.controller.ts';
    expect(restrictedImportLines(controller, source(forbidden.slice(0, 4)))).toEqual([]);
  });

  it('still refuses kafkajs outside its client module everywhere', () => {
    const worker = 'apps/notifier/src/delivery/delivery.worker.ts';
    expect(restrictedImportLines(worker, source(["import { Kafka } from 'kafkajs';"]))).toEqual([1]);
  });
});
