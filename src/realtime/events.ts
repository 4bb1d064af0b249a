import type { Conversation, Identity } from '../router/conversations.schema.js';
import type { ConversationChangeKind, NoteChangeKind } from '../router/events.js';
import type { Context, Principal } from '../router/context.js';
import type { Envelope } from '../router/errors.js';
import type { Message } from '../router/messages.schema.js';
import type { Note } from '../router/notes.schema.js';
import type { Call, Signal } from '../router/calls.schema.js';

/** Every acknowledgement carries the REST envelope. */
export type Ack = (result: Envelope<unknown>) => void;
type ClientEvent = (payload: unknown, ack?: Ack) => void;

export interface ClientToServerEvents {
  'message:send': ClientEvent;
  'message:read': ClientEvent;
  'typing:start': ClientEvent;
  'typing:stop': ClientEvent;
  'conversation:join': ClientEvent;
  'conversation:leave': ClientEvent;
  'conversation:sync': ClientEvent;
  'call:request': ClientEvent;
  'call:cancel': ClientEvent;
  'call:ring': ClientEvent;
  'call:answer': ClientEvent;
  'call:decline': ClientEvent;
  'call:hangup': ClientEvent;
  'call:join': ClientEvent;
  'call:alive': ClientEvent;
  'call:signal': ClientEvent;
  'call:active': ClientEvent;
}

export interface TypingPayload {
  conversationId: string;
  senderId: string;
  senderType: 'user' | 'admin' | 'guest';
}

export interface ServerToClientEvents {
  'connection:success': (identity: Identity) => void;
  'message:received': (message: Message) => void;
  'message:read': (payload: { messageId: string; conversationId: string }) => void;
  'typing:start': (payload: TypingPayload) => void;
  'typing:stop': (payload: TypingPayload) => void;
  'conversation:new_message': (payload: { conversationId: string; message: Message }) => void;
  'conversation:updated': (payload: { conversation: Conversation; change: ConversationChangeKind }) => void;
  'conversation:joined': (payload: { conversationId: string }) => void;
  'conversation:left': (payload: { conversationId: string }) => void;
  'message:error': (payload: { error: string; event: string; code: string }) => void;
  /** To agents only (the admins room): a private note was created, updated or deleted. */
  'note:changed': (payload: { note: Note; change: NoteChangeKind }) => void;
  /** To the call's customer and every agent: a call was requested, rung, answered, rejoined or ended. */
  'call:updated': (payload: { call: Call }) => void;
  /** To the other party of one call only: an offer, answer, ICE candidate or media state. */
  'call:signal': (payload: { callId: string; conversationId: string; fromPeer: string; signal: Signal }) => void;
}

export type InterServerEvents = Record<string, never>;

export interface SocketData {
  principal: Principal;
  /** The context every event of this connection runs in (one object: see connectionStateOf). */
  context: Context;
}

/** Room names: one per conversation, one per person, one for all agents. */
export const rooms = {
  conversation: (id: string) => `conversation:${id}`,
  user: (id: string) => `user:${id}`,
  guest: (id: string) => `guest:${id}`,
  admins: 'admins',
} as const;
