import { sql, type Kysely } from 'kysely';
import { deleteAttachments } from './attachments.js';
import { callsIn, type CallWithPeople } from './calls.js';
import { conversationColumns } from './conversations.js';
import { ownerKey } from './email-follow-ups.js';
import { messageColumns } from './message-columns.js';
import type { AttachmentRow, AuditLogRow, ConversationRow, Database, MessageRow, NoteRow } from './schema.js';

export type DataSubject = { type: 'user'; id: string } | { type: 'guest'; id: string };

const ownerColumn = (subject: DataSubject) => (subject.type === 'user' ? 'user_id' : 'guest_id');

export interface HeldData {
  profile: { id: string; email: string | null; first_name: string | null; last_name: string | null; created_at: Date; erased_at: Date | null };
  conversations: ConversationRow[];
  messages: MessageRow[];
  notes: NoteRow[];
  attachments: AttachmentRow[];
  calls: CallWithPeople[];
}

/** Everything held about one customer, or undefined when there is no such customer. */
export async function dataHeldAbout(db: Kysely<Database>, subject: DataSubject): Promise<HeldData | undefined> {
  const profile =
    subject.type === 'user'
      ? await db.selectFrom('users').select(['id', 'email', 'first_name', 'last_name', 'created_at', 'erased_at']).where('id', '=', subject.id).where('role', '=', 'user').executeTakeFirst()
      : await db
          .selectFrom('guests')
          .select(['id', 'email', sql<null>`null`.as('first_name'), sql<null>`null`.as('last_name'), 'created_at', 'erased_at'])
          .where('id', '=', subject.id)
          .executeTakeFirst();
  if (!profile) return undefined;
  const conversations = await db.selectFrom('conversations').select(conversationColumns).where(ownerColumn(subject), '=', subject.id).orderBy('created_at').orderBy('id').execute();
  const ids = conversations.map((c) => c.id);
  if (ids.length === 0) return { profile, conversations, messages: [], notes: [], attachments: [], calls: [] };
  const [messages, notes, attachments, calls] = await Promise.all([
    db.selectFrom('messages').select(messageColumns).where('conversation_id', 'in', ids).orderBy('conversation_id').orderBy('seq').execute(),
    db.selectFrom('notes').selectAll().where('conversation_id', 'in', ids).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('attachments').selectAll().where('conversation_id', 'in', ids).orderBy('created_at').orderBy('id').execute(),
    callsIn(db, ids),
  ]);
  return { profile, conversations, messages, notes, attachments, calls };
}

/**
 * Erases a customer in one transaction: every message's text in their conversations (rows,
 * seq and counts stay, so the agents' side keeps its shape), the notes and files on them,
 * their subject lines, the webhook events not yet sent, and the profile's personal fields.
 * The guest row stays as a tombstone so its id is refused from then on. The files' bytes are
 * queued for removal with their rows (they leave the store after the commit, or at a retry);
 * answers their ids.
 */
export async function eraseCustomer(
  db: Kysely<Database>,
  subject: DataSubject,
  actorId: string,
): Promise<{ conversations: number; attachmentIds: string[]; endedCallIds: string[] } | undefined> {
  return db.transaction().execute(async (trx) => {
    const erased =
      subject.type === 'user'
        ? await trx
            .updateTable('users')
            .set({ email: null, first_name: null, last_name: null, erased_at: sql`now()`, updated_at: sql`now()` })
            .where('id', '=', subject.id)
            .where('role', '=', 'user')
            .returning('id')
            .executeTakeFirst()
        : await trx.updateTable('guests').set({ email: null, email_confirmed_at: null, email_confirmation_sent_at: null, erased_at: sql`now()` }).where('id', '=', subject.id).returning('id').executeTakeFirst();
    if (!erased) return undefined;
    // Locked and closed first: the message writer locks a conversation to write into it, so a
    // message sent meanwhile either committed before (and is emptied below) or waits and then
    // finds the conversation closed (a customer's send is refused).
    const ids = (await trx.selectFrom('conversations').select('id').where(ownerColumn(subject), '=', subject.id).orderBy('id').forUpdate().execute()).map((c) => c.id);
    let attachmentIds: string[] = [];
    let endedCallIds: string[] = [];
    if (ids.length > 0) {
      await trx.updateTable('conversations').set({ subject: null, status: 'closed' }).where('id', 'in', ids).execute();
      await trx.updateTable('messages').set({ message: '' }).where('conversation_id', 'in', ids).where('message', '<>', '').execute();
      await trx.deleteFrom('notes').where('conversation_id', 'in', ids).execute();
      attachmentIds = (await deleteAttachments(trx, (q) => q.where('conversation_id', 'in', ids))).map((a) => a.id);
      await trx.deleteFrom('webhook_deliveries').where('conversation_id', 'in', ids).where('status', '=', 'pending').execute();
      await trx.deleteFrom('email_follow_ups').where('conversation_id', 'in', ids).execute();
      // Calls keep their record (when, how long) without what the customer told: phone, note.
      endedCallIds = (
        await trx
          .updateTable('calls')
          .set((eb) => ({ status: 'cancelled', ended_at: new Date(), ended_by: 'system', end_reason: 'erased', version: eb('version', '+', 1), updated_at: new Date() }))
          .where('conversation_id', 'in', ids)
          .where('status', 'in', ['requested', 'scheduled', 'ringing', 'in_progress'])
          .returning('id')
          .execute()
      ).map((c) => c.id);
      await trx.updateTable('calls').set({ phone: null, note: null, decline_message: null, customer_peer: null }).where('conversation_id', 'in', ids).execute();
      // A receiver's answer may echo the payload back: the delivery log keeps only the status.
      await trx.updateTable('webhook_deliveries').set({ last_response: null }).where('conversation_id', 'in', ids).execute();
    }
    // Onboarding codes carry the device they were made for and, sealed, their digits.
    await trx.deleteFrom('auth_codes').where(ownerColumn(subject), '=', subject.id).execute();
    const owner = subject.type === 'user' ? { userId: subject.id, guestId: null } : { userId: null, guestId: subject.id };
    await trx.deleteFrom('customer_last_seen').where('owner', '=', ownerKey(owner)).execute();
    await recordAudit(trx, { actorId, action: 'data.erased', subject, details: { conversations: ids.length, files: attachmentIds.length } });
    return { conversations: ids.length, attachmentIds, endedCallIds };
  });
}

export async function recordAudit(
  db: Kysely<Database>,
  entry: { actorId: string; action: AuditLogRow['action']; subject: DataSubject; details?: unknown },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ actor_id: entry.actorId, action: entry.action, subject_type: entry.subject.type, subject_id: entry.subject.id, details: JSON.stringify(entry.details ?? null) })
    .execute();
}

export async function recentAudit(db: Kysely<Database>, options: { limit: number; subject?: DataSubject }): Promise<AuditLogRow[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (options.subject) query = query.where('subject_type', '=', options.subject.type).where('subject_id', '=', options.subject.id);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}
