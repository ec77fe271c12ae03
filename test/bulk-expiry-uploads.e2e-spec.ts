import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { statusOnceKnown } from './support/sign-in-status';

const EXPIRE = '/api/v1/users/lifecycle/expire_passwords';
const UPLOADS = `${EXPIRE}/uploads`;
const PASSWORD = 'Initial1pass';
/** More than the 100,000 `userIds` a JSON body takes; the app below accepts uploads of up to MAX_IDS. */
const IDS = 150_000;
const MAX_IDS = 160_000;

async function upload(lapse: TestApp, text: string | Uint8Array, contentType = 'text/plain') {
  const response = await fetch(`${lapse.url}${UPLOADS}`, {
    method: 'POST',
    headers: {
      authorization: `SSWS ${lapse.adminToken}`,
      'content-type': contentType,
      accept: 'application/json',
    },
    body: text,
  });
  // biome-ignore lint/suspicious/noExplicitAny: an answer's JSON, as TestApp's requests give it
  return { status: response.status, body: (await response.json()) as any };
}

/** Rows staged for uploads (what a failed upload must not leave behind). */
async function stagedIds(lapse: TestApp): Promise<number> {
  const db = new Client({ connectionString: lapse.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM directory_bulk_expiry_upload_users');
    return rows[0].n;
  } finally {
    await db.end();
  }
}

/**
 * Bulk expiries scoped to an uploaded list of user ids (`POST …/expire_passwords/uploads`, then `uploadId`):
 * a list larger than a JSON body takes, streamed as text, in the all-in-one app with the fan-out worker off —
 * identity's fact alone must refuse exactly the uploaded users at sign-in.
 */
describe('a bulk expiry scoped to an uploaded list', () => {
  let lapse: TestApp;
  const run = randomUUID().slice(0, 8);

  const signIn = async (username: string) =>
    (await lapse.request('POST', '/api/v1/authn', { username, password: PASSWORD })).body.status as string;
  const create = async (name: string) => {
    const login = `${name}.${run}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: name, lastName: `Upload${run}` },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    return { id: created.body.id as string, login };
  };
  async function statusesOnceExpired(logins: string[]): Promise<string[]> {
    let statuses: string[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      statuses = [];
      for (const login of logins) statuses.push(await signIn(login));
      if (statuses.every((status) => status === 'PASSWORD_EXPIRED')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return statuses;
  }

  beforeAll(async () => {
    lapse = await startTestApp({
      env: {
        ...FAST_PASSWORD_HASHING,
        BULK_EXPIRY_WORKER: 'false',
        BULK_EXPIRY_UPLOAD_MAX_IDS: String(MAX_IDS),
      },
    });
  });
  afterAll(() => lapse.close());

  it(`takes ${IDS} ids as a streamed upload, and a job scoped to it expires exactly its users`, async () => {
    const listed = [await create('up-a'), await create('up-b'), await create('up-c')];
    const other = await create('up-d');
    const unknown = Array.from({ length: IDS - listed.length }, () => randomUUID());
    const lines: string[] = [...unknown];
    lines.splice(10, 0, listed[0].id);
    lines.splice(70_000, 0, listed[1].id.toUpperCase());
    lines.push(`  ${listed[2].id}\r`, '', listed[0].id, '');
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(4.5 * 1024 * 1024);

    const uploaded = await upload(lapse, text);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({
      count: 3,
      unknown: { total: unknown.length, first: unknown.slice(0, 10) },
      duplicates: 1,
    });
    expect(Date.parse(uploaded.body.expiresAt)).toBeGreaterThan(Date.now());

    const dry = await lapse.admin('POST', EXPIRE, { uploadId: uploaded.body.id, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, uploadId: uploaded.body.id, scopedUsers: 3, total: 3 });
    expect(await statusOnceKnown(lapse, listed[0].login, PASSWORD)).toBe('SUCCESS');

    const job = await lapse.admin('POST', EXPIRE, { uploadId: uploaded.body.id, reason: 'breach list' });
    expect(job.status).toBe(202);
    expect(job.body).toMatchObject({ total: 3, scopedUsers: 3 });
    expect(await statusesOnceExpired(listed.map((user) => user.login))).toEqual([
      'PASSWORD_EXPIRED',
      'PASSWORD_EXPIRED',
      'PASSWORD_EXPIRED',
    ]);
    expect(await signIn(other.login)).toBe('SUCCESS');

    const audit = await lapse.admin(
      'GET',
      `/api/v1/logs?filter=${encodeURIComponent('eventType eq "user.lifecycle.password_mass_expiry.upload"')}`,
    );
    expect(audit.status).toBe(200);
    expect(audit.body.map((entry: { target: { id: string }[] }) => entry.target[0].id)).toContain(
      uploaded.body.id,
    );
  });

  it('fails an upload with a bad line, naming it, and keeps nothing', async () => {
    const before = await stagedIds(lapse);
    const answer = await upload(
      lapse,
      `${randomUUID()}\n\n${randomUUID()}\nalice@example.com\n${randomUUID()}\n`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errorCode: 'E0000001' });
    expect(answer.body.errorCauses).toEqual([
      { errorSummary: 'line 4: not a user id (one id a line is expected)' },
    ]);
    expect(await stagedIds(lapse)).toBe(before);
  });

  it('fails an upload of more ids than the limit, and keeps nothing', async () => {
    const before = await stagedIds(lapse);
    const answer = await upload(lapse, Array.from({ length: MAX_IDS + 1 }, () => randomUUID()).join('\n'));
    expect(answer.status).toBe(400);
    expect(answer.body.errorCauses).toEqual([{ errorSummary: `the upload holds more than ${MAX_IDS} ids` }]);
    expect(await stagedIds(lapse)).toBe(before);
  });

  it('takes a CSV export by its id column, naming a bad record by its line', async () => {
    const user = await create('up-csv');
    const unknown = randomUUID();
    const csv = `\uFEFFlogin,ID,note\r\n"${user.login}",${user.id},"a, b"\r\n\r\nx@example.com,${unknown},\r\n`;
    const uploaded = await upload(lapse, csv, 'text/csv');
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ count: 1, unknown: { total: 1, first: [unknown] }, duplicates: 0 });

    const bad = await upload(lapse, `id\n${randomUUID()}\nnot-an-id\n`, 'text/csv; charset=utf-8');
    expect(bad.body.errorCauses).toEqual([{ errorSummary: 'line 3: not a user id in the id column' }]);
    const headless = await upload(lapse, `login,email\na,b\n`, 'text/csv');
    expect(headless.body.errorCauses).toEqual([{ errorSummary: 'line 1: the CSV header has no id column' }]);
  });

  it('refuses an empty upload, one not UTF-8, a body that is not text/plain, an unknown upload, and uploadId with userIds', async () => {
    expect((await upload(lapse, '\n\n')).body.errorCauses).toEqual([
      { errorSummary: 'the upload holds no user id (one id a line is expected)' },
    ]);
    expect((await upload(lapse, Uint8Array.from([0x30, 0xff, 0x0a]))).body.errorCauses).toEqual([
      { errorSummary: 'the upload is not UTF-8 text' },
    ]);
    const json = await upload(lapse, JSON.stringify([randomUUID()]), 'application/json');
    expect(json).toMatchObject({ status: 400, body: { errorCode: 'E0000021' } });

    const missing = await lapse.admin('POST', EXPIRE, { uploadId: randomUUID(), dryRun: true });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ errorCode: 'E0000007' });

    const user = await create('up-e');
    const uploaded = await upload(lapse, user.id);
    expect(uploaded.status).toBe(201);
    const both = await lapse.admin('POST', EXPIRE, { uploadId: uploaded.body.id, userIds: [user.id] });
    expect(both.status).toBe(400);
    expect(both.body.errorCauses).toEqual([
      { errorSummary: 'uploadId: not with userIds; give one or the other' },
    ]);
    // The refused request expired nobody (the user may be moments old: identity learns of them first).
    expect(await statusOnceKnown(lapse, user.login, PASSWORD)).toBe('SUCCESS');
  });
});

describe('an expired upload', () => {
  let lapse: TestApp;
  beforeAll(async () => {
    lapse = await startTestApp({
      env: { BULK_EXPIRY_WORKER: 'false', BULK_EXPIRY_UPLOAD_LIFETIME_SECONDS: '1' },
    });
  });
  afterAll(() => lapse.close());

  it('is gone: a bulk expiry naming it is 404, and its ids are deleted', async () => {
    const uploaded = await upload(lapse, `${randomUUID()}\n`);
    expect(uploaded.status).toBe(201);
    // Waits out the upload's one-second lifetime (what is asserted is the answer after it, not a duration).
    await new Promise((resolve) =>
      setTimeout(resolve, Date.parse(uploaded.body.expiresAt) - Date.now() + 100),
    );
    const answer = await lapse.admin('POST', EXPIRE, { uploadId: uploaded.body.id, dryRun: true });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ errorCode: 'E0000007' });
    expect(await stagedIds(lapse)).toBe(0);
  });
});
