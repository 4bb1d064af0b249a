import { sql, type DeleteQueryBuilder, type DeleteResult, type Insertable, type Kysely } from 'kysely';
import { storeMessageAlone, type MessageToStore, type StoreOutcome } from './message-writer.js';
import type { AttachmentRow, AttachmentsTable, Database } from './schema.js';

/** An attachment with what decides who may see it: its conversation's owner and status. */
export type AttachmentWithOwner = AttachmentRow & {
  owner_user_id: string | null;
  owner_guest_id: string | null;
  conversation_status: 'open' | 'pending' | 'closed';
};

export async function insertAttachment(db: Kysely<Database>, values: Insertable<AttachmentsTable>): Promise<AttachmentRow> {
  return db.insertInto('attachments').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function findAttachment(db: Kysely<Database>, id: string): Promise<AttachmentWithOwner | undefined> {
  return db
    .selectFrom('attachments as a')
    .innerJoin('conversations as c', 'c.id', 'a.conversation_id')
    .selectAll('a')
    .select(['c.user_id as owner_user_id', 'c.guest_id as owner_guest_id', 'c.status as conversation_status'])
    .where('a.id', '=', id)
    .executeTakeFirst();
}

/**
 * Takes the check of a pending upload for `seconds`: false while another `complete` holds it,
 * or once it is no longer pending.
 */
export async function claimCheck(db: Kysely<Database>, id: string, seconds: number): Promise<boolean> {
  const claimed = await db
    .updateTable('attachments')
    .set({ checking_until: sql<Date>`now() + make_interval(secs => ${seconds})` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('checking_until', 'is', null), eb('checking_until', '<', sql<Date>`now()`)]))
    .returning('id')
    .executeTakeFirst();
  return claimed !== undefined;
}

/** Gives the check back when it failed without a verdict, so a retry can check at once. */
export async function releaseCheck(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('attachments').set({ checking_until: null }).where('id', '=', id).where('status', '=', 'pending').execute();
}

/** Records what the bytes turned out to be; only a pending upload becomes ready, once. */
export async function markAttachmentReady(
  db: Kysely<Database>,
  id: string,
  found: Pick<AttachmentRow, 'content_type' | 'size' | 'width' | 'height' | 'has_thumbnail'>,
): Promise<AttachmentRow | undefined> {
  return db.updateTable('attachments').set({ ...found, status: 'ready', checking_until: null }).where('id', '=', id).where('status', '=', 'pending').returningAll().executeTakeFirst();
}

type AttachmentsDelete = DeleteQueryBuilder<Database, 'attachments', DeleteResult>;

/**
 * Deletes the attachments `which` picks and, in the same statement, queues their bytes for
 * removal (file_removals): whatever happens to the store or the process afterwards, no bytes
 * are left that nothing points at. Answers the rows deleted.
 */
export async function deleteAttachments(db: Kysely<Database>, which: (query: AttachmentsDelete) => AttachmentsDelete): Promise<AttachmentRow[]> {
  return db
    .with('gone', (q) => which(q.deleteFrom('attachments')).returningAll())
    .with('queued', (q) =>
      q
        .insertInto('file_removals')
        .columns(['attachment_id'])
        .expression((eb) => eb.selectFrom('gone').select('gone.id'))
        .onConflict((oc) => oc.doNothing()),
    )
    .selectFrom('gone')
    .selectAll()
    .execute();
}

/** Deletes an upload no message holds; undefined when it is attached (or gone). */
export async function deleteUnattached(db: Kysely<Database>, id: string): Promise<AttachmentRow | undefined> {
  const [row] = await deleteAttachments(db, (q) => q.where('id', '=', id).where('message_id', 'is', null));
  return row;
}

/**
 * Gives ready uploads of this uploader in this conversation to a message, in the order given,
 * inside the message's transaction. Returns how many it took: fewer than asked means one was
 * someone else's, another conversation's, not checked yet or already sent, and the caller
 * rolls back.
 */
export async function claimForMessage(
  trx: Kysely<Database>,
  ids: readonly string[],
  by: { conversationId: string; uploaderType: AttachmentRow['uploader_type']; uploaderId: string },
  messageId: string,
): Promise<number> {
  const result = await sql`
    update attachments a set message_id = ${messageId}, position = t.position
    from unnest(${[...ids]}::uuid[]) with ordinality as t(id, position)
    where a.id = t.id and a.conversation_id = ${by.conversationId} and a.uploader_type = ${by.uploaderType}
      and a.uploader_id = ${by.uploaderId} and a.status = 'ready' and a.message_id is null`.execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}

/** The files of these messages, in each message's order. */
export async function attachmentsOfMessages(db: Kysely<Database>, messageIds: readonly string[]): Promise<AttachmentRow[]> {
  if (messageIds.length === 0) return [];
  return db.selectFrom('attachments').selectAll().where('message_id', 'in', messageIds).orderBy('message_id').orderBy('position').execute();
}

/** Takes (deletes and returns) uploads never sent that were asked for before `before`. */
export async function takeUnattachedBefore(db: Kysely<Database>, before: Date, limit = 500): Promise<AttachmentRow[]> {
  return deleteAttachments(db, (q) =>
    q
      .where('id', 'in', (eb) => eb.selectFrom('attachments').select('id').where('message_id', 'is', null).where('created_at', '<', before).limit(limit))
      .where('message_id', 'is', null),
  );
}

/**
 * Takes up to `limit` removals that are due (of `attachmentIds` only, when given) and pushes
 * each one's next try back first, `firstRetrySeconds` doubling with every try up to
 * `maxRetrySeconds`: a removal that fails, or whose process dies, is tried again then.
 * Another replica's take skips them meanwhile. Answers the attachments' ids.
 */
export async function takeFileRemovals(
  db: Kysely<Database>,
  options: { attachmentIds?: readonly string[]; limit: number; firstRetrySeconds: number; maxRetrySeconds: number },
): Promise<string[]> {
  const { attachmentIds: only } = options;
  if (only?.length === 0) return [];
  const rows = await db
    .updateTable('file_removals')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      next_attempt_at: sql<Date>`now() + make_interval(secs => least(${options.firstRetrySeconds} * power(2, attempts), ${options.maxRetrySeconds}))`,
    }))
    .where('attachment_id', 'in', (eb) => {
      let due = eb.selectFrom('file_removals').select('attachment_id').where('next_attempt_at', '<=', sql<Date>`now()`);
      if (only) due = due.where('attachment_id', 'in', only);
      return due.orderBy('next_attempt_at').limit(options.limit).forUpdate().skipLocked();
    })
    .returning('attachment_id')
    .execute();
  return rows.map((row) => row.attachment_id);
}

/** The removals done: their bytes are gone. */
export async function forgetFileRemovals(db: Kysely<Database>, attachmentIds: readonly string[]): Promise<void> {
  if (attachmentIds.length > 0) await db.deleteFrom('file_removals').where('attachment_id', 'in', attachmentIds).execute();
}

/** A file message named an attachment it cannot take: not ready, not the sender's, another conversation's, or sent already. */
export class AttachmentsUnavailableError extends Error {}

/**
 * A file message and its files in one transaction: the message takes its seq under the
 * conversation's lock like any other, and takes every named upload or none. A retry (same
 * clientMessageId) answers the stored message and takes nothing.
 */
export async function storeFileMessage(
  db: Kysely<Database>,
  m: MessageToStore,
  ids: readonly string[],
  by: { uploaderType: AttachmentRow['uploader_type']; uploaderId: string },
): Promise<StoreOutcome> {
  return db.transaction().execute(async (trx) => {
    const outcome = await storeMessageAlone(trx, m);
    if (outcome.status === 'stored' && outcome.created) {
      const taken = await claimForMessage(trx, ids, { conversationId: m.conversationId, ...by }, outcome.message.id);
      if (taken !== ids.length) throw new AttachmentsUnavailableError();
    }
    return outcome;
  });
}
