import { randomUUID } from 'node:crypto';

/** Time and identity come from the edge so that deciders stay pure and tests stay deterministic. */
export interface Clock {
  now(): Date;
}

export interface IdSource {
  next(): string;
}

export const systemClock: Clock = { now: () => new Date() };
export const uuidSource: IdSource = { next: () => randomUUID() };

export const CLOCK = Symbol('CLOCK');
export const ID_SOURCE = Symbol('ID_SOURCE');
