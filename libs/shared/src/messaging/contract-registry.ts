/**
 * The published contracts a consumer may receive: event type → known schema versions, each with an
 * optional payload check. A message whose type or version is not here is malformed for this consumer and
 * goes to the dead letter with a reason; a known message the consumer has no handler for is skipped.
 */
export type PayloadCheck = (payload: unknown) => string | null;

export class ContractRegistry {
  private readonly contracts = new Map<string, Map<number, PayloadCheck | null>>();

  register(type: string, schemaVersion: number, check: PayloadCheck | null = null): this {
    const versions = this.contracts.get(type) ?? new Map<number, PayloadCheck | null>();
    versions.set(schemaVersion, check);
    this.contracts.set(type, versions);
    return this;
  }

  /** Null when the message is acceptable, otherwise the reason it is not. */
  problemWith(type: string | undefined, schemaVersion: number | undefined, payload: unknown): string | null {
    if (!type) return 'MISSING_EVENT_TYPE';
    const versions = this.contracts.get(type);
    if (!versions) return `UNKNOWN_EVENT_TYPE: ${type}`;
    if (schemaVersion === undefined || !versions.has(schemaVersion)) {
      return `UNKNOWN_SCHEMA_VERSION: ${type} v${schemaVersion ?? '?'}`;
    }
    const check = versions.get(schemaVersion);
    const problem = check ? check(payload) : null;
    return problem ? `INVALID_PAYLOAD: ${problem}` : null;
  }

  knows(type: string): boolean {
    return this.contracts.has(type);
  }

  merge(other: ContractRegistry): this {
    for (const [type, versions] of other.contracts) {
      for (const [version, check] of versions) this.register(type, version, check);
    }
    return this;
  }
}
