import { z } from 'zod';
import { IdentitySchema, ConversationSchema, JoinInput, TypingInput } from '../router/conversations.schema.js';
import { failureKinds } from '../router/errors.js';
import { exampleIds } from '../router/examples.js';
import { MarkReadInput, MessageSchema, MessagesPageSchema, SendMessageInput, SyncMessagesInput } from '../router/messages.schema.js';
import { NoteSchema } from '../router/notes.schema.js';
import {
  CallAliveSchema,
  CallListSchema,
  CallRef,
  CallSchema,
  CallSignalEventSchema,
  JoinCallInput,
  JoinedCallSchema,
  RequestCallInput,
  RequestedCallSchema,
  RingInput,
  SignalInput,
  SignalSentSchema,
} from '../router/calls.schema.js';
import { apiInfo, exampleFor, exampleOf, failureEnvelope, schemaCollector, successEnvelope } from '../rest/json-schema.js';

const conversationId = z.uuid().meta({ description: 'The conversation', examples: [exampleIds.conversation] });
const ConversationRef = z.object({ conversationId });
const TypingAck = ConversationRef.describe('The conversation told');
const TypingPayload = TypingInput.omit({ isTyping: true }).extend({
  conversationId,
  senderId: z.string().meta({ description: 'Who is typing: a user’s or admin’s id, or a guest id', examples: [exampleIds.admin] }),
  senderType: z.enum(['user', 'admin', 'guest']).meta({ description: 'What kind of caller is typing', examples: ['admin'] }),
});
const socketFailures = failureKinds.filter((kind) => !kind.restOnly);
const ErrorPayload = z.object({
  error: z.string().meta({ description: 'What went wrong, for people', examples: ['Conversation is closed'] }),
  event: z.string().meta({ description: 'The event that failed (`connection` for the connection itself)', examples: ['message:send'] }),
  code: z
    .enum(socketFailures.map((kind) => kind.code) as [string, ...string[]])
    .meta({ description: socketFailures.map((kind) => `${kind.code}: ${kind.description}.`).join('\n'), examples: ['CONFLICT'] }),
});

type Tag = 'Rooms' | 'Messages' | 'Typing' | 'Connection' | 'Inbox' | 'Calls';
const tags: Record<Tag, string> = {
  Rooms: 'Following conversations: join a room to hear its messages and typing',
  Messages: 'Sending, receiving, reading and catching up on messages',
  Typing: 'Typing indicators, sent to the others in the room',
  Connection: 'Who the connection is, and what failed',
  Inbox: 'What agents (the admins room) hear about every conversation',
  Calls: 'Call requests and in-app calls: the record, and WebRTC signalling passed between the call’s two parties only (media never passes through the server)',
};

interface SocketEvent {
  name: string;
  direction: 'client' | 'server';
  tag: Tag;
  summary: string;
  description: string;
  payload: z.ZodType;
  /** The acknowledgement's `data` on success (client events). */
  ack?: z.ZodType;
}

/** Every socket event, with the schemas the procedures use. */
export const socketEvents: SocketEvent[] = [
  {
    name: 'conversation:join', direction: 'client', tag: 'Rooms',
    summary: 'Join a conversation room, catching up from afterSeq',
    description:
      'Follow a conversation you can see: its messages, reads, typing and changes reach this socket until you leave or disconnect. ' +
      'Reconnecting, send the last seq you have as afterSeq: the ack carries the messages after it, as conversation:sync answers, read once the socket is in the room, so nothing falls between the page and the live messages (a message may come both ways: keep one per seq). Sync further only while pagination.hasMore. ' +
      'Without afterSeq, the ack’s lastSeq tells whether to sync.',
    payload: JoinInput,
    ack: ConversationRef.extend({
      lastSeq: z.number().int().meta({ description: 'Seq of the newest message', examples: [42] }),
      messages: MessagesPageSchema.shape.messages.optional().describe('With afterSeq: the messages after it, oldest first, at most limit'),
      pagination: MessagesPageSchema.shape.pagination.optional().describe('With afterSeq: where that page is; hasMore says to sync from its last seq'),
    }).describe('The room joined, and with afterSeq what you missed'),
  },
  {
    name: 'conversation:leave', direction: 'client', tag: 'Rooms',
    summary: 'Leave a conversation room',
    description: 'Stop following a conversation. Its owner still hears about it through their own room.',
    payload: ConversationRef,
    ack: ConversationRef.describe('The room left'),
  },
  {
    name: 'message:send', direction: 'client', tag: 'Messages',
    summary: 'Send a message; retry with the same clientMessageId',
    description: 'Store a message and tell everyone in the conversation (you included, as message:received). A retry with the same clientMessageId acks the stored message and tells no one again. The socket joins the room.',
    payload: SendMessageInput,
    ack: MessageSchema,
  },
  {
    name: 'message:read', direction: 'client', tag: 'Messages',
    summary: 'Mark a message of the other side read',
    description: 'Mark a message written by the other side read; marking one of your own side changes nothing.',
    payload: MarkReadInput,
    ack: MarkReadInput.extend({ conversationId, isRead: z.boolean().meta({ description: 'Whether it is read now', examples: [true] }) }).describe('The message and its read state'),
  },
  {
    name: 'typing:start', direction: 'client', tag: 'Typing',
    summary: 'Tell the others you are typing',
    description: 'The others in the room get typing:start. Rate limited per connection and per caller.',
    payload: ConversationRef,
    ack: TypingAck,
  },
  {
    name: 'typing:stop', direction: 'client', tag: 'Typing',
    summary: 'Tell the others you stopped typing',
    description: 'The others in the room get typing:stop.',
    payload: ConversationRef,
    ack: TypingAck,
  },
  {
    name: 'conversation:sync', direction: 'client', tag: 'Messages',
    summary: 'Catch up: messages with seq > afterSeq',
    description: 'The messages after the last seq you have, oldest first, as REST history with after: past the page conversation:join brought (hasMore), or after a gap in the seqs heard live.',
    payload: SyncMessagesInput,
    ack: MessagesPageSchema,
  },
  {
    name: 'connection:success', direction: 'server', tag: 'Connection',
    summary: 'Who the connection is',
    description: 'Sent once, as soon as the connection is authenticated.',
    payload: IdentitySchema,
  },
  {
    name: 'message:received', direction: 'server', tag: 'Messages',
    summary: 'A new message in a conversation you follow (you included)',
    description: 'To the conversation’s room, its owner’s sockets and the sender. An auth_code message shows its digits to the owner only.',
    payload: MessageSchema,
  },
  {
    name: 'conversation:new_message', direction: 'server', tag: 'Inbox',
    summary: 'To admins: a new message anywhere',
    description: 'To every admin’s socket, for the inbox, whether or not they joined the room.',
    payload: ConversationRef.extend({ message: MessageSchema }),
  },
  {
    name: 'conversation:updated', direction: 'server', tag: 'Inbox',
    summary: 'Assignee, status or priority changed',
    description: 'To the conversation’s room, its owner and every admin.',
    payload: z.object({ conversation: ConversationSchema, change: z.enum(['assigned', 'unassigned', 'status', 'priority']).meta({ description: 'What changed', examples: ['status'] }) }),
  },
  {
    name: 'note:changed', direction: 'server', tag: 'Inbox',
    summary: 'To admins: a private note was created, edited or deleted',
    description: 'To every admin’s socket only, never the conversation’s room: customers never hear of notes. Notes take no seq.',
    payload: z.object({ note: NoteSchema, change: z.enum(['created', 'updated', 'deleted']).meta({ description: 'What happened to it', examples: ['created'] }) }),
  },
  {
    name: 'typing:start', direction: 'server', tag: 'Typing',
    summary: 'Someone else in the room is typing',
    description: 'Not sent back to the socket that is typing.',
    payload: TypingPayload,
  },
  {
    name: 'typing:stop', direction: 'server', tag: 'Typing',
    summary: 'Someone else in the room stopped typing',
    description: 'Not sent back to the socket that stopped.',
    payload: TypingPayload,
  },
  {
    name: 'message:read', direction: 'server', tag: 'Messages',
    summary: 'A message was read by the other side',
    description: 'To the conversation’s room and its owner.',
    payload: z.object({ messageId: z.uuid().meta({ description: 'The message read', examples: [exampleIds.message] }), conversationId }),
  },
  {
    name: 'conversation:joined', direction: 'server', tag: 'Rooms',
    summary: 'You joined the room',
    description: 'Follows a successful conversation:join.',
    payload: ConversationRef,
  },
  {
    name: 'conversation:left', direction: 'server', tag: 'Rooms',
    summary: 'You left the room',
    description: 'Follows a successful conversation:leave.',
    payload: ConversationRef,
  },
  {
    name: 'call:request', direction: 'client', tag: 'Calls',
    summary: 'Ask to be called (customers)',
    description: 'Now, or at a preferred time in your time zone, with an optional phone number and note. It lives in your call_request conversation (created when you have none), with a system message; 409 while a call is already waiting or going there.',
    payload: RequestCallInput,
    ack: RequestedCallSchema,
  },
  {
    name: 'call:cancel', direction: 'client', tag: 'Calls',
    summary: 'Take your call request back',
    description: 'Before it rings; 409 after.',
    payload: CallRef,
    ack: CallSchema,
  },
  {
    name: 'call:ring', direction: 'client', tag: 'Calls',
    summary: 'Ring a conversation’s customer (agents)',
    description: 'Takes up their waiting request or starts a call; 409 while another rings or goes there. Unanswered after CALL_RING_SECONDS (30) it is missed. The ack carries your ICE servers, with TURN credentials minted for you that expire.',
    payload: RingInput,
    ack: JoinedCallSchema,
  },
  {
    name: 'call:answer', direction: 'client', tag: 'Calls',
    summary: 'Answer a ringing call (the customer)',
    description: 'The ack carries your ICE servers; the agent then sends the offer.',
    payload: JoinCallInput,
    ack: JoinedCallSchema,
  },
  {
    name: 'call:decline', direction: 'client', tag: 'Calls',
    summary: 'Turn a ringing call down (the customer)',
    description: 'Recorded once, with a system message.',
    payload: CallRef,
    ack: CallSchema,
  },
  {
    name: 'call:hangup', direction: 'client', tag: 'Calls',
    summary: 'End the call (either party)',
    description: 'Before the answer it is cancelled; after it, completed, with its duration in the history (“Call with Ada, 3 min 12 s”).',
    payload: CallRef,
    ack: CallSchema,
  },
  {
    name: 'call:join', direction: 'client', tag: 'Calls',
    summary: 'Rejoin your call from this window',
    description: 'After a reload or a lost connection, within CALL_REJOIN_SECONDS (30). This window’s peerId becomes your side’s; the other party hears it in call:updated and reconnects.',
    payload: JoinCallInput,
    ack: JoinedCallSchema,
  },
  {
    name: 'call:alive', direction: 'client', tag: 'Calls',
    summary: 'This window is still in the call',
    description: 'Every few seconds; a side unheard of for CALL_REJOIN_SECONDS has left, and the call ends (connection lost).',
    payload: JoinCallInput,
    ack: CallAliveSchema,
  },
  {
    name: 'call:signal', direction: 'client', tag: 'Calls',
    summary: 'Pass an offer, answer, ICE candidate or media state to the other party',
    description: 'Only from the window holding your side of the call (its peerId); forwarded to the other party alone. Bounded: SDP 32 KB, candidates 1 KB, LIMIT_CALL_SIGNALS_PER_IDENTITY.',
    payload: SignalInput,
    ack: SignalSentSchema,
  },
  {
    name: 'call:active', direction: 'client', tag: 'Calls',
    summary: 'Calls still going',
    description: 'Yours as a customer (a reloaded page finds its call); every waiting, ringing or ongoing call for agents.',
    payload: z.object({}).describe('Nothing'),
    ack: CallListSchema,
  },
  {
    name: 'call:updated', direction: 'server', tag: 'Calls',
    summary: 'A call changed',
    description: 'To the call’s customer (their own rooms) and every agent (the admins room): requested, scheduled, ringing, answered, rejoined (a new peer), or ended.',
    payload: z.object({ call: CallSchema }),
  },
  {
    name: 'call:signal', direction: 'server', tag: 'Calls',
    summary: 'A signal from the other party of your call',
    description: 'To that party’s own rooms only, never a conversation room: the agent who rang, or the customer.',
    payload: CallSignalEventSchema,
  },
  {
    name: 'message:error', direction: 'server', tag: 'Connection',
    summary: 'An event of yours failed',
    description: 'Sent with every failed acknowledgement (the socket stays connected), and before the server disconnects a socket whose token expired.',
    payload: ErrorPayload,
  },
];

const key = (e: SocketEvent) => `${e.direction}_${e.name.replace(/[^A-Za-z0-9]/g, '_')}`;
const ref = (messageKey: string) => ({ $ref: `#/channels/support/messages/${messageKey}` });

/** AsyncAPI 3 description of namespace /support, beside the OpenAPI document. */
export function asyncApiDocument() {
  const schemas = schemaCollector();
  const messages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const e of socketEvents) {
    const payload = schemas.toJson(e.payload, e.direction === 'client' ? 'input' : 'output');
    const example = exampleFor(e.payload, payload, schemas.components);
    messages[key(e)] = { name: e.name, title: e.name, summary: e.summary, payload, ...(example !== undefined && { examples: [{ name: e.name, payload: example }] }) };
    let reply;
    if (e.ack) {
      const success = successEnvelope(schemas.toJson(e.ack, 'output'));
      messages[`${key(e)}_ack`] = {
        name: `${e.name} ack`,
        title: `${e.name} acknowledgement`,
        summary: `The acknowledgement of ${e.name}: {"success": true, "data"} or the failure envelope`,
        payload: { oneOf: [success, { $ref: '#/components/schemas/Failure' }] },
        examples: [{ name: 'success', payload: exampleOf(success, schemas.components) }],
      };
      reply = { channel: { $ref: '#/channels/support' }, messages: [ref(`${key(e)}_ack`)] };
    }
    operations[key(e)] = {
      action: e.direction === 'client' ? 'receive' : 'send',
      channel: { $ref: '#/channels/support' },
      summary: e.summary,
      description: e.description,
      tags: [{ name: e.tag }],
      messages: [ref(key(e))],
      ...(reply && { reply }),
    };
  }
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Support chat realtime API',
      ...apiInfo,
      description: [
        'Socket.IO 4, namespace `/support`. Connect with auth `{token}` (a JWT) or `{guestId}`; a refused connection gets `connect_error` with `data.code`.',
        'Every client event takes an acknowledgement callback, answered with the REST envelope. REST is described at /api/support/openapi.json and shown at /api/support/docs.',
      ].join('\n\n'),
      tags: Object.entries(tags).map(([name, description]) => ({ name, description })),
    },
    servers: { local: { host: 'localhost:3001', protocol: 'ws', pathname: '/socket.io', description: 'A server run locally (npm run dev)' } },
    channels: { support: { address: '/support', title: 'The /support namespace', description: 'Every event of the namespace', messages } },
    operations,
    components: { schemas: { ...schemas.components, Failure: failureEnvelope } },
  };
}
