import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** The tables as Kysely sees them. Column names are the SQL names; the API speaks camelCase. */
export interface Database {
  users: UsersTable;
  guests: GuestsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  auth_codes: AuthCodesTable;
  notes: NotesTable;
  saved_replies: SavedRepliesTable;
  agent_presence: AgentPresenceTable;
  attachments: AttachmentsTable;
  file_removals: FileRemovalsTable;
  conversation_counts: ConversationCountsTable;
  conversation_count_changes: ConversationCountChangesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_streams: WebhookStreamsTable;
  audit_log: AuditLogTable;
  email_follow_ups: EmailFollowUpsTable;
  customer_last_seen: CustomerLastSeenTable;
  email_unsubscribes: EmailUnsubscribesTable;
  calls: CallsTable;
  agent_email_settings: AgentEmailSettingsTable;
  agent_email_marks: AgentEmailMarksTable;
}

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export const conversationTypes = ['general', 'onboarding', 'call_request'] as const;
export const conversationStatuses = ['open', 'pending', 'closed'] as const;
export const conversationPriorities = ['low', 'normal', 'high', 'urgent'] as const;
export const senderTypes = ['user', 'admin', 'guest', 'system'] as const;
export const messageTypes = ['text', 'file', 'system', 'auth_code'] as const;

export type ConversationType = (typeof conversationTypes)[number];
export type ConversationStatus = (typeof conversationStatuses)[number];
export type ConversationPriority = (typeof conversationPriorities)[number];
export type SenderType = (typeof senderTypes)[number];
export type MessageType = (typeof messageTypes)[number];

export interface UsersTable {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  role: 'user' | 'admin';
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** Set by a data erasure: the personal fields are gone. */
  erased_at: ColumnType<Date | null, never, Date>;
}

export interface GuestsTable {
  id: string;
  created_at: CreatedAt;
  /** Set by a data erasure: the id is refused from then on. */
  erased_at: ColumnType<Date | null, never, Date>;
  /** Given by the guest for replies while away; shown to agents. */
  email: ColumnType<string | null, never, string | null>;
  /** When the guest confirmed `email` from the link mailed to it: only then do replies go there. */
  email_confirmed_at: ColumnType<Date | null, never, Date | null>;
  email_confirmation_sent_at: ColumnType<Date | null, never, Date | null>;
  /** A confirmation email being sent (a lease: a sender that died lets the next one send). */
  email_confirmation_claimed_until: ColumnType<Date | null, never, Date | null>;
  /** SHA-256 of the confirmation link's random token. */
  email_confirmation_hash: ColumnType<string | null, never, string | null>;
}

/** Who exported or erased whose data, and when. */
export interface AuditLogTable {
  id: Generated<string>;
  actor_id: string;
  action: 'data.exported' | 'data.erased';
  subject_type: 'user' | 'guest';
  subject_id: string;
  details: ColumnType<unknown, string | null | undefined, never>;
  created_at: CreatedAt;
}
export type AuditLogRow = Selectable<AuditLogTable>;

export interface ConversationsTable {
  id: Generated<string>;
  user_id: string | null;
  guest_id: string | null;
  admin_id: string | null;
  type: ConversationType;
  subject: string | null;
  status: ColumnType<ConversationStatus, ConversationStatus | undefined, ConversationStatus>;
  priority: ColumnType<ConversationPriority, ConversationPriority | undefined, ConversationPriority>;
  /** The seq of the newest message: the next one gets last_seq + 1, under this row's lock. */
  last_seq: ColumnType<number, number | undefined, number>;
  last_message_at: Date | null;
  /** The last seq the owner has read / an agent has read: unread = last_seq minus these. */
  customer_read_seq: ColumnType<number, number | undefined, number>;
  agent_read_seq: ColumnType<number, number | undefined, number>;
  /** The last agent reply a follow-up email carried. */
  emailed_seq: ColumnType<number, never, number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface MessagesTable {
  id: Generated<string>;
  conversation_id: string;
  seq: number;
  sender_type: SenderType;
  sender_id: string | null;
  guest_id: string | null;
  message: string;
  message_type: MessageType;
  is_read: ColumnType<boolean, boolean | undefined, boolean>;
  client_message_id: string | null;
  created_at: CreatedAt;
}

/** A conversation as every read path selects it; `emailed_seq` is the follow-up email's alone. */
export type ConversationRow = Omit<Selectable<ConversationsTable>, 'emailed_seq'>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type UserRow = Selectable<UsersTable>;

export interface AuthCodesTable {
  id: Generated<string>;
  /** HMAC of the digits under a server key; the digits themselves are never stored. */
  code_hash: string;
  user_id: string | null;
  guest_id: string | null;
  conversation_id: string | null;
  device_info: unknown;
  created_by: string | null;
  expires_at: Date;
  used_at: Date | null;
  /** Set when too many wrong guesses named the owner, or when an expired code's digits are reused. */
  burnt_at: Date | null;
  created_at: CreatedAt;
  /** The digits sealed for their owner's history (AES-GCM, see AuthCodes.seal); cleared once spent or burnt. */
  code_sealed: string | null;
  /** The `auth_code` message that announced the code. */
  message_id: string | null;
}

/** A private note: agents only, outside `messages` (no seq, no customer read path). */
export interface NotesTable {
  id: Generated<string>;
  conversation_id: string;
  author_id: string;
  text: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** The team's canned responses. */
export interface SavedRepliesTable {
  id: Generated<string>;
  title: string;
  text: string;
  created_by: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export const presenceStates = ['online', 'away'] as const;
export type PresenceState = (typeof presenceStates)[number];

/** An agent's last heartbeat; older than the presence window, they count as offline. */
export interface AgentPresenceTable {
  admin_id: string;
  state: PresenceState;
  seen_at: Date;
}

export type NoteRow = Selectable<NotesTable>;
export type SavedReplyRow = Selectable<SavedRepliesTable>;

export const uploaderTypes = ['user', 'admin', 'guest'] as const;

/** A file in a conversation: asked for (pending), checked (ready), then sent with a message. */
export interface AttachmentsTable {
  id: Generated<string>;
  conversation_id: string;
  uploader_type: (typeof uploaderTypes)[number];
  /** The user's or admin's id, or the guest id. */
  uploader_id: string;
  /** Sanitised: no path, no control characters, at most 200 characters. */
  name: string;
  declared_type: string;
  declared_size: number;
  status: ColumnType<'pending' | 'ready', 'pending' | 'ready' | undefined, 'pending' | 'ready'>;
  /** What the bytes are, read from them once uploaded. */
  content_type: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  has_thumbnail: ColumnType<boolean, boolean | undefined, boolean>;
  /** Until when a `complete` is checking the bytes; others wait for it. */
  checking_until: ColumnType<Date | null, never, Date | null>;
  message_id: string | null;
  /** Its place among its message's files. */
  position: number | null;
  created_at: CreatedAt;
}

export type AttachmentRow = Selectable<AttachmentsTable>;

/** An attachment deleted whose bytes are still to be removed from the store. */
export interface FileRemovalsTable {
  attachment_id: string;
  /** Tries so far; each pushes the next one back, doubling. */
  attempts: ColumnType<number, never, number>;
  next_attempt_at: ColumnType<Date, never, Date>;
  created_at: CreatedAt;
}

/** Conversations per status as of the last fold; kept by triggers, read by `inbox.counts`. */
export interface ConversationCountsTable {
  status: ConversationStatus;
  /** bigint: the driver answers a string. */
  n: ColumnType<string, number, number>;
}

/** The +1 / -1 of each insert, delete or status change since the last fold. */
export interface ConversationCountChangesTable {
  id: Generated<string>;
  status: ConversationStatus;
  delta: number;
}

export const webhookEventTypes = ['message.created', 'conversation.created', 'conversation.updated', 'conversation.closed', 'call.updated'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
export const webhookDeliveryStatuses = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/** An admin's HTTPS endpoint and the events it wants. */
export interface WebhookEndpointsTable {
  id: Generated<string>;
  url: string;
  description: ColumnType<string, string | undefined, string>;
  events: WebhookEventType[];
  /** `whsec_` and base64, the Standard Webhooks form. */
  secret: string;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  disabled_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** Since when every attempt has failed; null once one succeeds. */
  failing_since: ColumnType<Date | null, never, Date | null>;
  created_by: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** The outbox: one event for one endpoint, written in the transaction of the change. */
export interface WebhookDeliveriesTable {
  /** The `webhook-id`: the same on every attempt, for the receiver's deduplication. */
  id: Generated<string>;
  seq: Generated<string>;
  endpoint_id: string;
  /** Deliveries of one stream (a conversation, or a test event alone) leave in seq order. */
  stream_key: string;
  event_type: WebhookEventType | 'webhook.test';
  conversation_id: string | null;
  message_id: string | null;
  data: ColumnType<unknown, string | null | undefined, string | null>;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>;
  attempts: ColumnType<number, never, number>;
  next_attempt_at: ColumnType<Date, never, Date>;
  last_attempt_at: ColumnType<Date | null, never, Date>;
  last_status: ColumnType<number | null, never, number | null>;
  last_response: ColumnType<string | null, never, string | null>;
  last_error: ColumnType<string | null, never, string | null>;
  created_at: CreatedAt;
  delivered_at: ColumnType<Date | null, never, Date>;
}

export interface WebhookStreamsTable {
  endpoint_id: string;
  stream_key: string;
  lease: string;
  leased_until: Date;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;

/** A conversation with agents' replies that may need emailing; since the first of them. */
export interface EmailFollowUpsTable {
  conversation_id: string;
  since: ColumnType<Date, never, Date>;
  /** Set while one worker checks it (and sends); a claim that runs out is taken over. */
  claimed_until: ColumnType<Date | null, never, Date | null>;
}

/** When each customer (`user:<id>`, `guest:<id>`) last had a connection open. */
export interface CustomerLastSeenTable {
  owner: string;
  seen_at: Date;
}

/** Addresses that asked for no more email, lowercased. */
export interface EmailUnsubscribesTable {
  address: string;
  created_at: CreatedAt;
}

/** An agent's choice about emails while away (on unless they turned it off), and the last one sent or tried. */
export interface AgentEmailSettingsTable {
  admin_id: string;
  notify: ColumnType<boolean, boolean | undefined, boolean>;
  last_emailed_at: Date | null;
}

/** The last customer message an agent was emailed about, per conversation. */
export interface AgentEmailMarksTable {
  conversation_id: string;
  emailed_seq: number;
}

export const callStatuses = ['requested', 'scheduled', 'ringing', 'in_progress', 'completed', 'missed', 'cancelled', 'declined'] as const;
export type CallStatus = (typeof callStatuses)[number];
/** A call still going somewhere: at most one per conversation. */
export const liveCallStatuses = ['requested', 'scheduled', 'ringing', 'in_progress'] as const satisfies readonly CallStatus[];
export const callSides = ['customer', 'agent'] as const;
export type CallSide = (typeof callSides)[number];

/** A call request or an in-app call, from the first ask to how it ended. */
export interface CallsTable {
  id: Generated<string>;
  conversation_id: string;
  status: CallStatus;
  /** Who started it: the customer's request, or an agent's ring. */
  origin: CallSide;
  preferred_at: Date | null;
  time_zone: string | null;
  phone: string | null;
  note: string | null;
  scheduled_at: Date | null;
  decline_message: string | null;
  agent_id: string | null;
  agent_peer: string | null;
  customer_peer: string | null;
  agent_seen_at: Date | null;
  customer_seen_at: Date | null;
  rang_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  ended_by: CallSide | 'system' | null;
  end_reason: string | null;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}
export type CallRow = Selectable<CallsTable>;
