import { type ApiClient, ApiError } from './api-client';
import type { ImportRecord, ImportedUser } from './import-source';

/**
 * Lapse's import route takes at most 1,000 users and a 5.5 MB body (its LARGE_BODY_ROUTES limit); batches stay
 * below both, with room for the envelope.
 */
export const MAX_BATCH_BYTES = 5_000_000;
export const MAX_BATCH_USERS = 1_000;

export interface ImportFailure {
  readonly at: string;
  readonly login: string | null;
  readonly reason: string;
}

export interface ImportSummary {
  created: number;
  failed: number;
  requests: number;
  readonly failures: ImportFailure[];
}

interface Pending {
  readonly at: string;
  readonly login: string | null;
  readonly json: string;
}

const loginOf = (user: ImportedUser): string | null =>
  typeof user.profile?.login === 'string' ? user.profile.login : null;

/**
 * Sends the users in batches that fit one request each. The route is all-or-none per request, so a refused
 * batch (400) is split in halves and sent again until each refused user is alone: the others are created,
 * and each failure is reported with the API's reason. Any other refusal (401, 403, 5xx) stops the import.
 */
export async function importUsers(
  api: ApiClient,
  records: AsyncIterable<ImportRecord>,
  options: { activate: boolean; onProgress?: (summary: ImportSummary) => void },
): Promise<ImportSummary> {
  const summary: ImportSummary = { created: 0, failed: 0, requests: 0, failures: [] };
  const fail = (failure: ImportFailure) => {
    summary.failed += 1;
    summary.failures.push(failure);
  };
  const send = async (batch: readonly Pending[]): Promise<void> => {
    summary.requests += 1;
    try {
      await api.request('POST', '/api/v1/users/import', {
        rawBody: `{"users":[${batch.map((item) => item.json).join(',')}]}`,
        query: { activate: String(options.activate) },
      });
      summary.created += batch.length;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400) throw error;
      if (batch.length === 1) {
        fail({
          at: batch[0].at,
          login: batch[0].login,
          reason: error.reason.replace(/^users\.(?:0\.)?/, ''),
        });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await send(batch.slice(0, half));
      await send(batch.slice(half));
    }
  };
  let batch: Pending[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const sending = batch;
    batch = [];
    bytes = 0;
    await send(sending);
    options.onProgress?.(summary);
  };
  for await (const record of records) {
    if (record.problem !== undefined) {
      fail({ at: record.at, login: null, reason: record.problem });
      continue;
    }
    const json = JSON.stringify(record.user);
    const size = Buffer.byteLength(json) + 1;
    if (size + 20 > MAX_BATCH_BYTES) {
      fail({ at: record.at, login: loginOf(record.user), reason: 'is larger than one request may be' });
      continue;
    }
    if (bytes + size + 20 > MAX_BATCH_BYTES || batch.length >= MAX_BATCH_USERS) await flush();
    batch.push({ at: record.at, login: loginOf(record.user), json });
    bytes += size;
  }
  await flush();
  return summary;
}
