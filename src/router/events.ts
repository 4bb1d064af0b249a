import { EventEmitter } from 'node:events';
import type { Conversation } from './conversations.schema.js';
import type { Message } from './messages.schema.js';
import type { Note } from './notes.schema.js';
import type { Call, Signal } from './calls.schema.js';

/**
 * What happened, told after the transaction that made it happen has committed. The
 * procedures emit these; the transports' fan-out decides who hears what. `origin` is the
 * caller's connection id (a socket id), so a fan-out can exclude or include the sender.
 */
export interface DomainEventMap {
  /** `ownerView`, when present, is what the owner's sockets see instead (an auth code's digits). */
  'message.created': [{ message: Message; owner: ConversationOwner; origin?: string; ownerView?: Message }];
  'message.read': [{ messageId: string; conversationId: string; owner: ConversationOwner; origin?: string }];
  /** An agent assigned, unassigned, re-prioritised or changed the status of a conversation. */
  'conversation.updated': [{ conversation: Conversation; change: ConversationChangeKind; owner: ConversationOwner; origin?: string }];
  /** A customer's data was erased: their open connections (sockets, SSE streams) are closed, on every replica. */
  'customer.erased': [{ owner: ConversationOwner }];
  /** A private note was written, edited or deleted: agents only, never the conversation's room. */
  'note.changed': [{ note: Note; change: NoteChangeKind; origin?: string }];
  /** A call was requested, rung, answered, rejoined or ended: its customer and every agent hear it. */
  'call.updated': [{ call: Call; owner: ConversationOwner; origin?: string }];
  /** WebRTC signalling for the other party of one call, and no one else. */
  'call.signal': [{ callId: string; conversationId: string; to: CallParty; fromPeer: string; signal: Signal }];
  typing: [
    {
      conversationId: string;
      senderId: string;
      senderType: 'user' | 'admin' | 'guest';
      isTyping: boolean;
      origin?: string;
    },
  ];
}

export type ConversationChangeKind = 'assigned' | 'unassigned' | 'status' | 'priority';
export type NoteChangeKind = 'created' | 'updated' | 'deleted';

/** One side of a call: the conversation's customer, or the agent who took it. */
export type CallParty = { side: 'customer'; owner: ConversationOwner } | { side: 'agent'; adminId: string };

export interface ConversationOwner {
  userId: string | null;
  guestId: string | null;
}

export class DomainEvents extends EventEmitter<DomainEventMap> {}
