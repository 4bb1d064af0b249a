/** The columns of a message as the API shows it, in one place for the builder and for fixed SQL. */
export const messageColumns = [
  'id',
  'conversation_id',
  'seq',
  'sender_type',
  'sender_id',
  'guest_id',
  'message',
  'message_type',
  'is_read',
  'client_message_id',
  'created_at',
] as const;
