export const PG_POOL = Symbol('PG_POOL');
export const LOGGER = Symbol('LOGGER');
export const INFRASTRUCTURE_OPTIONS = Symbol('INFRASTRUCTURE_OPTIONS');
export const CONTRACTS = Symbol('CONTRACTS');
