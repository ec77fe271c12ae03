/**
 * Domain errors carry a stable Okta error code and no HTTP knowledge. The HTTP edge maps the code to a
 * status and envelope (see `http/okta-error.filter.ts`). Messages must never contain a secret.
 */
export type OktaErrorCode =
  | 'E0000001'
  | 'E0000003'
  | 'E0000004'
  | 'E0000005'
  | 'E0000006'
  | 'E0000007'
  | 'E0000011'
  | 'E0000014'
  | 'E0000022'
  | 'E0000023'
  | 'E0000038'
  | 'E0000047'
  | 'E0000064'
  | 'E0000079'
  | 'E0000080'
  | 'E0000105'
  | 'E0000124'
  | 'E0000125'
  | 'E0000507'
  | 'E0000009'
  | 'E0000015'
  | 'E0000050'
  | 'E0000016'
  | 'E0000021'
  | 'E0000090'
  | 'LAPSE0001'
  | 'LAPSE0002';

export class DomainError extends Error {
  constructor(
    readonly code: OktaErrorCode,
    summary: string,
    readonly causes: readonly string[] = [],
  ) {
    super(summary);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  constructor(causes: readonly string[]) {
    super('E0000001', 'Api validation failed', causes);
  }
}

export class NotFoundError extends DomainError {
  constructor(what = 'Resource') {
    super('E0000007', `Not found: ${what} not found`);
  }
}

export class NotAllowedInStatusError extends DomainError {
  constructor(detail?: string) {
    super('E0000038', "This operation is not allowed in the user's current status.", detail ? [detail] : []);
  }
}

export class MasteredElsewhereError extends DomainError {
  constructor() {
    super('E0000023', 'Operation failed because user profile is mastered under another system');
  }
}

export class CredentialUpdateFailedError extends DomainError {
  constructor(causes: readonly string[]) {
    super('E0000014', 'Update of credentials failed', causes);
  }
}

/** Raised by the event store when another writer appended to the stream first. */
export class VersionConflictError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`Version conflict on stream ${streamId}: expected version ${expectedVersion}`);
    this.name = 'VersionConflictError';
  }
}
