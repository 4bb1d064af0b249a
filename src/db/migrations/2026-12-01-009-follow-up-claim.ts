import { sql, type Kysely } from 'kysely';

/**
 * Issue 16: one follow-up check at a time per conversation. pg-boss keeps one waiting job per
 * conversation, but a sweep may queue another while one runs on a second replica: the claim
 * makes the second find it taken, so no email goes out twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table email_follow_ups add column claimed_until timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table email_follow_ups drop column claimed_until`.execute(db);
}
