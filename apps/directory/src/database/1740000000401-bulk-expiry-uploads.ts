import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Bulk-expiry uploads: a list of user ids streamed in as text (`POST /api/v1/users/lifecycle/expire_passwords/
 * uploads`), staged until a bulk expiry names it (`uploadId`) or it expires. `known` marks the ids a user had
 * when uploaded (the others are only counted as unknown). Deleting an upload deletes its ids.
 */
export class BulkExpiryUploads1740000000401 implements MigrationInterface {
  name = 'BulkExpiryUploads1740000000401';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_bulk_expiry_uploads (
        id         uuid        PRIMARY KEY,
        count      integer     NOT NULL,
        unknown    integer     NOT NULL,
        duplicates integer     NOT NULL,
        actor      text        NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await db.query(
      'CREATE INDEX directory_bulk_expiry_uploads_expiry ON directory_bulk_expiry_uploads (expires_at)',
    );
    await db.query(`
      CREATE TABLE directory_bulk_expiry_upload_users (
        upload_id uuid    NOT NULL REFERENCES directory_bulk_expiry_uploads (id) ON DELETE CASCADE,
        user_id   uuid    NOT NULL,
        known     boolean NOT NULL,
        PRIMARY KEY (upload_id, user_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE directory_bulk_expiry_upload_users');
    await db.query('DROP TABLE directory_bulk_expiry_uploads');
  }
}
