/**
 * The framework-free core: what deciders, events, commands, errors and published contracts may import.
 * Every module re-exported here is plain TypeScript that does no I/O and loads no framework, so a
 * `domain/` folder can import all it needs from `@lapse/shared/core` without reaching Nest, pg, TypeORM or
 * kafkajs (the `@lapse/shared` barrel re-exports those too). biome.json refuses framework and I/O imports
 * here and under every `domain/` folder (`libs/shared/src/architecture/framework-free-core.spec.ts`).
 */
export * from '../contracts/directory.v1';
export * from '../contracts/identity.v1';
export * from '../contracts/notifier.v1';
export * from '../contracts/password-policy.v1';
export * from '../contracts/registry';
export * from '../contracts/topics';
export * from '../errors';
export type { Clock, IdSource } from '../event-sourcing/clock';
export * from '../event-sourcing/decider';
export * from '../event-sourcing/event';
export * from '../identity/login';
export * from '../messaging/contract-registry';
