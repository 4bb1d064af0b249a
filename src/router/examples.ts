/**
 * Ids the documents' examples share, so one example payload refers to the same conversation
 * or guest as the next. Documentation only: nothing at run time reads them.
 */
export const exampleIds = {
  conversation: '6f1c2b7e-3d4a-4e5f-9a0b-1c2d3e4f5a6b',
  message: '0b7d9e2f-4a6c-4d8e-a1f3-5b7c9d1e3f50',
  user: '2c4e6a8b-1d3f-4a5b-8c7d-9e0f1a2b3c4d',
  admin: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
  authCode: '4d5e6f70-8192-4a3b-b4c5-d6e7f8091a2b',
  /** The documented shape: guest_<unix ms>_<80 random bits><128-bit MAC>, in hex. */
  guest: 'guest_1764580000000_a1b2c3d4e5f607182930ffeeddccbbaa99887766554433221100',
  clientMessage: '7e6d5c4b-3a29-4817-8f6e-5d4c3b2a1908',
  note: '3b5d7f91-2c4e-4a6b-8d0f-1a3c5e7f9b2d',
  savedReply: '5c7e9a1b-3d5f-4b7c-9e1a-2b4d6f8a0c3e',
  attachment: '8d9e0f1a-2b3c-4d5e-9f6a-7b8c9d0e1f2a',
  call: '1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b',
} as const;

export const exampleConversation = {
  id: exampleIds.conversation,
  userId: null,
  guestId: exampleIds.guest,
  adminId: exampleIds.admin,
  type: 'general',
  subject: 'Question about my order',
  status: 'open',
  priority: 'normal',
  lastSeq: 2,
  lastMessageAt: '2026-12-01T09:30:05.000Z',
  createdAt: '2026-12-01T09:30:00.000Z',
  updatedAt: '2026-12-01T09:30:05.000Z',
} as const;

export const exampleMessage = {
  id: exampleIds.message,
  conversationId: exampleIds.conversation,
  seq: 2,
  senderId: null,
  senderType: 'guest',
  guestId: exampleIds.guest,
  message: 'Hello, where is my order?',
  messageType: 'text',
  isRead: false,
  clientMessageId: exampleIds.clientMessage,
  createdAt: '2026-12-01T09:30:05.000Z',
} as const;

export const exampleAgent = { id: exampleIds.admin, email: 'ann@example.com', firstName: 'Ann', lastName: 'Agent' } as const;

export const exampleNote = {
  id: exampleIds.note,
  conversationId: exampleIds.conversation,
  authorId: exampleIds.admin,
  authorName: 'Ann Agent',
  text: 'Customer is a reseller: offer the bulk discount.',
  createdAt: '2026-12-01T09:31:00.000Z',
  updatedAt: '2026-12-01T09:31:00.000Z',
} as const;

export const exampleSavedReply = {
  id: exampleIds.savedReply,
  title: 'Shipping times',
  text: 'Orders ship within 2 working days; you get a tracking link by email.',
  createdBy: exampleIds.admin,
  createdAt: '2026-11-30T12:00:00.000Z',
  updatedAt: '2026-11-30T12:00:00.000Z',
} as const;
