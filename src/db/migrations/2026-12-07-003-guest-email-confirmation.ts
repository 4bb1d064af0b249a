import { sql, type Kysely } from 'kysely';

/**
 * Issue 16: a guest's address gets agents' replies only once confirmed from a link mailed to
 * it (double opt-in), so a typo or someone else's address receives no conversation. A
 * signed-in user's address comes from their token and needs none.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table guests
    add column email_confirmed_at timestamptz,
    add column email_confirmation_sent_at timestamptz,
    add column email_confirmation_claimed_until timestamptz,
    add column email_confirmation_hash text`.execute(db);
  // At most one confirmation email an hour to an address, however many guests name it.
  await sql`create index guests_email on guests (lower(email), email_confirmation_sent_at) where email is not null`.execute(db);
  // The link carries a random token; only its hash is kept, and found by it.
  await sql`create unique index guests_email_confirmation on guests (email_confirmation_hash) where email_confirmation_hash is not null`.execute(db);
  // Addresses that were already sent follow-ups keep getting them.
  await sql`update guests g set email_confirmed_at = now()
    where email is not null and exists (select 1 from conversations c where c.guest_id = g.id and c.emailed_seq > 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index guests_email_confirmation`.execute(db);
  await sql`drop index guests_email`.execute(db);
  await sql`alter table guests drop column email_confirmed_at, drop column email_confirmation_sent_at,
    drop column email_confirmation_claimed_until, drop column email_confirmation_hash`.execute(db);
}
