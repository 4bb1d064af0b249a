import { sql, type Kysely } from 'kysely';
import { MAX_FOLLOW_UP_DAYS } from './email-follow-ups.js';
import type { Database, MessageType } from './schema.js';

/** One assigned conversation with customer messages its agent has neither read nor been emailed. */
export interface AgentDigestItem {
  conversation_id: string;
  admin_id: string;
  agent_email: string;
  guest_id: string | null;
  customer_first_name: string | null;
  customer_last_name: string | null;
  customer_email: string | null;
  /** The newest of those messages: the mark the email leaves. */
  newest_seq: number;
  /** Up to three of them, oldest first. */
  messages: { seq: number; message: string; messageType: MessageType }[];
}


/**
 * Every assigned, open or pending conversation whose customer wrote since its agent last read
 * it or was emailed about it, for agents who want these emails, have an address, have not
 * unsubscribed it, have sent no console heartbeat for `awaySeconds`, and were not emailed in
 * that time either (one email per agent per delay, whatever the customers write meanwhile).
 * Read once per sweep; nothing on the message path writes for it.
 */
export async function dueAgentDigests(db: Kysely<Database>, awaySeconds: number, limit: number): Promise<AgentDigestItem[]> {
  const away = sql`now() - make_interval(secs => ${awaySeconds})`;
  const { rows } = await sql<AgentDigestItem>`
    select c.id as conversation_id, c.admin_id, a.email as agent_email, c.guest_id,
      cu.first_name as customer_first_name, cu.last_name as customer_last_name, cu.email as customer_email,
      news.newest_seq, news.messages
    from conversations c
    join users a on a.id = c.admin_id
    left join agent_email_settings s on s.admin_id = c.admin_id
    left join agent_presence p on p.admin_id = c.admin_id
    left join agent_email_marks m on m.conversation_id = c.id
    left join users cu on cu.id = c.user_id
    cross join lateral (
      select max(recent.seq) as newest_seq,
        json_agg(json_build_object('seq', recent.seq, 'message', recent.message, 'messageType', recent.message_type) order by recent.seq) as messages
      from (
        select seq, message, message_type from messages
        where conversation_id = c.id and seq > greatest(c.agent_read_seq, coalesce(m.emailed_seq, 0))
          and sender_type in ('user', 'guest') and created_at > now() - make_interval(days => ${MAX_FOLLOW_UP_DAYS})
        order by seq desc limit 3
      ) recent
    ) news
    where c.status in ('open', 'pending')
      and c.last_seq > greatest(c.agent_read_seq, coalesce(m.emailed_seq, 0))
      and news.newest_seq is not null
      and a.role = 'admin' and a.email is not null and a.erased_at is null
      and coalesce(s.notify, true)
      and (s.last_emailed_at is null or s.last_emailed_at <= ${away})
      and (p.seen_at is null or p.seen_at <= ${away})
      and not exists (select 1 from email_unsubscribes u where u.address = lower(a.email))
    order by c.admin_id, c.last_message_at desc nulls last
    limit ${limit}`.execute(db);
  return rows;
}

/**
 * An email to the agent was sent (with the messages it carried, `items`) or tried and failed
 * (none): either way the next waits a delay, so an address that bounces costs one try per
 * delay and does not take the sweep's batch from other agents.
 */
export async function markAgentEmailed(db: Kysely<Database>, adminId: string, items: { conversation_id: string; newest_seq: number }[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('agent_email_settings')
      .values({ admin_id: adminId, last_emailed_at: sql`now()` })
      .onConflict((oc) => oc.column('admin_id').doUpdateSet({ last_emailed_at: sql`now()` }))
      .execute();
    if (items.length === 0) return;
    await sql`insert into agent_email_marks (conversation_id, emailed_seq)
      select * from unnest(${items.map((i) => i.conversation_id)}::uuid[], ${items.map((i) => i.newest_seq)}::int[])
      on conflict (conversation_id) do update set emailed_seq = greatest(agent_email_marks.emailed_seq, excluded.emailed_seq)`.execute(trx);
  });
}

/** Whether the agent gets these emails (yes unless they turned them off), and at which address. */
export async function agentEmailPreference(db: Kysely<Database>, adminId: string): Promise<{ emailWhenAway: boolean; address: string | null }> {
  const row = await db
    .selectFrom('users as u')
    .leftJoin('agent_email_settings as s', 's.admin_id', 'u.id')
    .select(['u.email', 's.notify'])
    .where('u.id', '=', adminId)
    .executeTakeFirst();
  return { emailWhenAway: row?.notify ?? true, address: row?.email ?? null };
}

export async function setAgentEmailsWanted(db: Kysely<Database>, adminId: string, notify: boolean): Promise<void> {
  await db
    .insertInto('agent_email_settings')
    .values({ admin_id: adminId, notify })
    .onConflict((oc) => oc.column('admin_id').doUpdateSet({ notify }))
    .execute();
}

/**
 * Who hears that a webhook endpoint was turned off: the admin who registered it, or when they
 * cannot be emailed (no address, erased, unsubscribed), every admin who can, up to `limit`.
 */
export async function endpointNoticeRecipients(db: Kysely<Database>, createdBy: string, limit: number): Promise<string[]> {
  const reachable = db
    .selectFrom('users as u')
    .select('u.email')
    .where('u.role', '=', 'admin')
    .where('u.email', 'is not', null)
    .where('u.erased_at', 'is', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('email_unsubscribes as x').select('x.address').whereRef('x.address', '=', sql<string>`lower(u.email)`))));
  const creator = await reachable.where('u.id', '=', createdBy).executeTakeFirst();
  const rows = creator ? [creator] : await reachable.orderBy('u.created_at').limit(limit).execute();
  return rows.map((r) => r.email!);
}
