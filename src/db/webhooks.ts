import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, WebhookDeliveryRow, WebhookDeliveryStatus, WebhookEndpointRow, WebhookEventType } from './schema.js';

/**
 * The message writer's share of the outbox, as a CTE over the rows it inserted (`source`,
 * with id, conversation_id and seq): one delivery per message per endpoint that wants it,
 * in message order. With no endpoint it is a join with an empty table.
 */
export const messagesOutboxed = (source: string) => `
outboxed as (
  insert into webhook_deliveries (endpoint_id, stream_key, event_type, conversation_id, message_id)
  select e.id, n.conversation_id::text, 'message.created', n.conversation_id, n.id
  from ${source} n join webhook_endpoints e on e.enabled and 'message.created' = any (e.events)
  order by e.id, n.conversation_id, n.seq
)`;

/** The same, for one message written by the query builder inside a transaction. */
export async function outboxMessage(trx: Kysely<Database>, message: { id: string; conversation_id: string }): Promise<void> {
  await sql`insert into webhook_deliveries (endpoint_id, stream_key, event_type, conversation_id, message_id)
    select e.id, ${message.conversation_id}, 'message.created', ${message.conversation_id}::uuid, ${message.id}::uuid
    from webhook_endpoints e where e.enabled and 'message.created' = any (e.events)`.execute(trx);
}

const endpointColumns = ['id', 'url', 'description', 'events', 'secret', 'enabled', 'disabled_reason', 'failing_since', 'created_by', 'created_at', 'updated_at'] as const;

export async function listEndpoints(db: Kysely<Database>): Promise<WebhookEndpointRow[]> {
  return db.selectFrom('webhook_endpoints').select(endpointColumns).orderBy('created_at').orderBy('id').execute();
}

export async function findEndpoint(db: Kysely<Database>, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').select(endpointColumns).where('id', '=', id).executeTakeFirst();
}

export interface EndpointFields {
  url: string;
  description: string;
  events: WebhookEventType[];
}

export async function insertEndpoint(db: Kysely<Database>, e: EndpointFields & { secret: string; createdBy: string }): Promise<WebhookEndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({ url: e.url, description: e.description, events: sql<WebhookEventType[]>`${e.events}::text[]`, secret: e.secret, created_by: e.createdBy })
    .returning(endpointColumns)
    .executeTakeFirstOrThrow();
}

/**
 * Re-enabling clears the reason and the failure streak: the endpoint starts afresh, and its
 * waiting events are due at once (an admin turns it on when the receiver is back), their
 * streams woken by the same NOTIFY a new event sends, in the same transaction.
 */
export async function updateEndpoint(
  db: Kysely<Database>,
  id: string,
  e: Partial<EndpointFields> & { enabled?: boolean; secret?: string },
): Promise<WebhookEndpointRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('webhook_endpoints')
      .set({
        ...(e.url !== undefined && { url: e.url }),
        ...(e.description !== undefined && { description: e.description }),
        ...(e.events !== undefined && { events: sql<WebhookEventType[]>`${e.events}::text[]` }),
        ...(e.secret !== undefined && { secret: e.secret }),
        ...(e.enabled !== undefined && { enabled: e.enabled }),
        ...(e.enabled === true && { disabled_reason: null, failing_since: null }),
        ...(e.enabled === false && { disabled_reason: 'Disabled by an admin' }),
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returning(endpointColumns)
      .executeTakeFirst();
    if (updated && e.enabled === true) {
      await sql`with due as (
          update webhook_deliveries set next_attempt_at = least(next_attempt_at, now())
          where endpoint_id = ${id} and status = 'pending' returning stream_key)
        select pg_notify('webhook_outbox', ${id}::text || ' ' || stream_key) from (select distinct stream_key from due) streams`.execute(trx);
    }
    return updated;
  });
}

export async function deleteEndpoint(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A test event: a stream of its own, so it waits behind nothing. */
export async function insertTestDelivery(db: Kysely<Database>, endpointId: string, data: unknown): Promise<WebhookDeliveryRow> {
  const id = randomUUID();
  return db
    .insertInto('webhook_deliveries')
    .values({ id, endpoint_id: endpointId, stream_key: `test:${id}`, event_type: 'webhook.test', data: JSON.stringify(data) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The newest deliveries of an endpoint, newest first, before a cursor (a seq). */
export async function recentDeliveries(
  db: Kysely<Database>,
  endpointId: string,
  options: { limit: number; before?: string; status?: WebhookDeliveryStatus },
): Promise<WebhookDeliveryRow[]> {
  let query = db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
  if (options.before) query = query.where('seq', '<', options.before);
  if (options.status) query = query.where('status', '=', options.status);
  return query.orderBy('seq', 'desc').limit(options.limit).execute();
}

// ---- The worker's side: one stream drained by one worker at a time, in order ----

/**
 * Takes the stream's lease, or answers undefined while another worker holds it. A lease that
 * ran out (its worker died) is taken over.
 */
export async function claimStream(db: Kysely<Database>, endpointId: string, streamKey: string, leaseSeconds: number): Promise<string | undefined> {
  const lease = randomUUID();
  const row = await sql<{ lease: string }>`
    insert into webhook_streams (endpoint_id, stream_key, lease, leased_until)
    values (${endpointId}, ${streamKey}, ${lease}, now() + make_interval(secs => ${leaseSeconds}))
    on conflict (endpoint_id, stream_key) do update set lease = excluded.lease, leased_until = excluded.leased_until
    where webhook_streams.leased_until < now()
    returning lease`.execute(db);
  return row.rows[0]?.lease;
}

/** Keeps the lease while a slow endpoint is being waited for; false when it was lost. */
export async function renewStream(db: Kysely<Database>, endpointId: string, streamKey: string, lease: string, leaseSeconds: number): Promise<boolean> {
  const result = await db
    .updateTable('webhook_streams')
    .set({ leased_until: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where('endpoint_id', '=', endpointId)
    .where('stream_key', '=', streamKey)
    .where('lease', '=', lease)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function releaseStream(db: Kysely<Database>, endpointId: string, streamKey: string, lease: string): Promise<void> {
  await db.deleteFrom('webhook_streams').where('endpoint_id', '=', endpointId).where('stream_key', '=', streamKey).where('lease', '=', lease).execute();
}

/**
 * The stream's oldest undelivered event: the only one that may leave, once `due`. Due by the
 * database's clock, which every replica shares (theirs may differ).
 */
export async function headOfStream(db: Kysely<Database>, endpointId: string, streamKey: string): Promise<(WebhookDeliveryRow & { due: boolean }) | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .select(sql<boolean>`next_attempt_at <= now()`.as('due'))
    .where('endpoint_id', '=', endpointId)
    .where('stream_key', '=', streamKey)
    .where('status', '=', 'pending')
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
}

/** What one attempt got back; a failure also says when to try again and when to give up. */
export type AttemptRecord = { httpStatus: number | null; response: string | null; error: string | null } & (
  | { delivered: true }
  | { delivered: false; retryInMs: number; giveUpAfterMs: number }
);

/**
 * One attempt's answer, on the delivery and on its endpoint's failure streak. A failure is
 * given up (`failed`) once its event is `giveUpAfterMs` old, else waits `retryInMs`: both on
 * the database's clock, as every replica reads it the same. Answers the delivery's state
 * now, or undefined when it is gone (an erasure deleted it meanwhile).
 */
export async function recordAttempt(
  db: Kysely<Database>,
  delivery: WebhookDeliveryRow,
  attempt: AttemptRecord,
): Promise<Pick<WebhookDeliveryRow, 'status' | 'next_attempt_at'> | undefined> {
  return db.transaction().execute(async (trx) => {
    const recorded = await trx
      .updateTable('webhook_deliveries')
      .set({
        status: attempt.delivered
          ? 'delivered'
          : sql<WebhookDeliveryStatus>`case when created_at <= now() - make_interval(secs => ${attempt.giveUpAfterMs / 1000}) then 'failed' else 'pending' end`,
        attempts: delivery.attempts + 1,
        last_attempt_at: sql`now()`,
        last_status: attempt.httpStatus,
        last_response: attempt.response,
        last_error: attempt.error,
        ...(attempt.delivered ? { delivered_at: sql`now()` } : { next_attempt_at: sql<Date>`now() + make_interval(secs => ${attempt.retryInMs / 1000})` }),
      })
      .where('id', '=', delivery.id)
      .returning(['status', 'next_attempt_at'])
      .executeTakeFirst();
    await trx
      .updateTable('webhook_endpoints')
      .set({ failing_since: attempt.delivered ? null : sql`coalesce(failing_since, now())` })
      .where('id', '=', delivery.endpoint_id)
      .execute();
    return recorded;
  });
}

/** Turns off an endpoint that has failed for too long; true when this call turned it off. */
export async function disableFailingEndpoint(db: Kysely<Database>, endpointId: string, failingForMs: number, reason: string): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: reason, updated_at: sql`now()` })
    .where('id', '=', endpointId)
    .where('enabled', '=', true)
    .where('failing_since', '<', sql<Date>`now() - make_interval(secs => ${failingForMs / 1000})`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Streams with an event due and no live lease: what the periodic sweep wakes, in case a
 * notification was missed (a replica restarting between a commit and its job).
 */
export async function dueStreams(db: Kysely<Database>, limit: number): Promise<{ endpoint_id: string; stream_key: string }[]> {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select(['d.endpoint_id', 'd.stream_key'])
    .distinct()
    .where('d.status', '=', 'pending')
    .where('e.enabled', '=', true)
    .where('d.next_attempt_at', '<=', sql<Date>`now()`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('webhook_streams as s')
            .select(sql`1`.as('one'))
            .whereRef('s.endpoint_id', '=', 'd.endpoint_id')
            .whereRef('s.stream_key', '=', 'd.stream_key')
            .where('s.leased_until', '>', sql<Date>`now()`),
        ),
      ),
    )
    .limit(limit)
    .execute();
}
