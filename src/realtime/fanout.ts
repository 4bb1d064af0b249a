import type { Namespace } from 'socket.io';
import type { ConversationOwner, DomainEventMap, DomainEvents } from '../router/events.js';
import { rooms, type ClientToServerEvents, type InterServerEvents, type ServerToClientEvents, type SocketData } from './events.js';

export type SupportNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type Payload<K extends keyof DomainEventMap> = DomainEventMap[K][0];

/**
 * The one place that decides who hears what. Fed by domain events emitted after commit;
 * with a Redis adapter the same emits reach sockets on every replica. Socket.IO delivers
 * once to a socket that is in several of the target rooms.
 */
export function startFanout(nsp: SupportNamespace, events: DomainEvents, feed: DomainEvents, clustered: boolean): () => void {
  const audience = (conversationId: string, owner: ConversationOwner, origin?: string) => {
    const targets = [rooms.conversation(conversationId)];
    // The owner hears about their conversation even before joining it (auth codes, replies).
    if (owner.userId) targets.push(rooms.user(owner.userId));
    if (owner.guestId) targets.push(rooms.guest(owner.guestId));
    // The sender hears its own message although it joins the room only after sending.
    if (origin) targets.push(origin);
    return targets;
  };

  const onMessageCreated = ({ message, owner, origin, ownerView }: Payload<'message.created'>) => {
    if (ownerView) {
      // Only the owner's own sockets get the private view; agents watching the room get the stored text.
      const ownerRooms = audience(message.conversationId, owner).slice(1);
      nsp.to(ownerRooms).emit('message:received', ownerView);
      nsp.to(rooms.conversation(message.conversationId)).except(ownerRooms).emit('message:received', message);
    } else {
      nsp.to(audience(message.conversationId, owner, origin)).emit('message:received', message);
    }
    nsp.to(rooms.admins).emit('conversation:new_message', { conversationId: message.conversationId, message });
  };
  const onMessageRead = ({ messageId, conversationId, owner, origin }: Payload<'message.read'>) => {
    nsp.to(audience(conversationId, owner, origin)).emit('message:read', { messageId, conversationId });
  };
  const onConversationUpdated = ({ conversation, change, owner, origin }: Payload<'conversation.updated'>) => {
    nsp.to([...audience(conversation.id, owner, origin), rooms.admins]).emit('conversation:updated', { conversation, change });
  };
  // Notes go to agents alone: never the conversation's room, which the owner's sockets join.
  const onNoteChanged = ({ note, change }: Payload<'note.changed'>) => {
    nsp.to(rooms.admins).emit('note:changed', { note, change });
  };
  const onTyping = ({ conversationId, senderId, senderType, isTyping, origin }: Payload<'typing'>) => {
    const room = nsp.to(rooms.conversation(conversationId));
    (origin ? room.except(origin) : room).emit(isTyping ? 'typing:start' : 'typing:stop', { conversationId, senderId, senderType });
  };

  // A call's state goes to its customer and to every agent (the inbox shows calls waiting).
  const onCallUpdated = ({ call, owner }: Payload<'call.updated'>) => {
    nsp.to([...audience(call.conversationId, owner).slice(1), rooms.admins]).emit('call:updated', { call });
  };
  // Signalling reaches the other party of the call and no one else: not the conversation's room.
  const onCallSignal = ({ callId, conversationId, to, fromPeer, signal }: Payload<'call.signal'>) => {
    const target = to.side === 'agent' ? [rooms.user(to.adminId)] : audience(conversationId, to.owner).slice(1);
    nsp.to(target).emit('call:signal', { callId, conversationId, fromPeer, signal });
  };

  // Every replica's sockets of an erased customer close (the adapter carries it); a guest's
  // id is refused when it reconnects.
  const onCustomerErased = ({ owner }: Payload<'customer.erased'>) => {
    const targets = [owner.userId && rooms.user(owner.userId), owner.guestId && rooms.guest(owner.guestId)].filter((room): room is string => !!room);
    nsp.in(targets).disconnectSockets(true);
  };

  events.on('message.created', onMessageCreated);
  events.on('message.read', onMessageRead);
  events.on('typing', onTyping);
  events.on('conversation.updated', onConversationUpdated);
  events.on('note.changed', onNoteChanged);
  events.on('customer.erased', onCustomerErased);
  events.on('call.updated', onCallUpdated);
  events.on('call.signal', onCallSignal);
  const stopSharing = shareWithFeed(nsp, events, feed, clustered);
  return () => {
    stopSharing();
    events.off('conversation.updated', onConversationUpdated);
    events.off('note.changed', onNoteChanged);
    events.off('customer.erased', onCustomerErased);
    events.off('call.updated', onCallUpdated);
    events.off('call.signal', onCallSignal);
    events.off('message.created', onMessageCreated);
    events.off('message.read', onMessageRead);
    events.off('typing', onTyping);
  };
}

const SHARED = ['message.created', 'message.read', 'typing', 'conversation.updated', 'note.changed', 'call.updated', 'call.signal', 'customer.erased'] as const;

/**
 * Feeds the SSE subscriptions with every replica's events: this process's own directly,
 * the others' through the adapter's server-side emit. Owner-only views (an auth code's
 * digits) never leave the process this way.
 */
function shareWithFeed(nsp: SupportNamespace, events: DomainEvents, feed: DomainEvents, clustered: boolean): () => void {
  const forwarders = SHARED.map((name) => {
    const forward = (payload: Payload<typeof name>) => {
      const { ownerView: _private, ...shared } = payload as Payload<typeof name> & { ownerView?: unknown };
      feed.emit(name, shared as never);
      if (clustered) nsp.serverSideEmit('domain' as never, name, shared);
    };
    events.on(name, forward as never);
    return [name, forward] as const;
  });
  const fromOthers = (name: (typeof SHARED)[number], payload: unknown) => {
    if (SHARED.includes(name)) feed.emit(name, payload as never);
  };
  if (clustered) nsp.on('domain' as never, fromOthers as never);
  return () => {
    for (const [name, forward] of forwarders) events.off(name, forward as never);
    if (clustered) nsp.off('domain' as never, fromOthers as never);
  };
}
