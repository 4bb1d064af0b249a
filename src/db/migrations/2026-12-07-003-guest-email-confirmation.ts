import { sql, type Kysely } from 'kysely';

/**
 * Issue 16: a guest's address gets agents' replies only once confirmed from a link mailed to
 * it (double opt-in), so a typo or someone else's address receives no conversation. A
 * signed-in user's address comes from their token and needs none.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table guests add column email_confirmed_at timestamptz, add column email_confirmation_sent_at timestamptz`.execute(db);
  // At most one confirmation email an hour to an address, however many guests name it.
  await sql`create index guests_email on guests (lower(email), email_confirmation_sent_at) where email is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index guests_email`.execute(db);
  await sql`alter table guests drop column email_confirmed_at, drop column email_confirmation_sent_at`.execute(db);
}
