import type { CallTransport } from '../../../client/src/index.js';
import type { ApiClient } from '../api/client.js';
import { within } from '../thread/trpc-transport.js';

/**
 * The shared call core's transport over the console's tRPC client: every action is a `calls.*`
 * mutation with the agent's token; what the server says back (the call's state, signals for
 * this agent) comes over `live.calls`, which the CallProvider feeds into the session.
 * `onPeer` hears the peer id this window takes a call with (a ring, or a rejoin).
 *
 * Once this window hangs up, the candidates still trickling out for that call are dropped: the
 * server would refuse each (409, the call is over), and the other side has no use for them.
 */
export function trpcCallTransport(api: ApiClient, onPeer: (callId: string, peerId: string) => void): CallTransport {
  const left = new Set<string>();
  return {
    ring: async (conversationId, peerId) => {
      const joined = await api.calls.ring.mutate({ conversationId, peerId }, within());
      onPeer(joined.call.id, peerId);
      return joined;
    },
    answer: (callId, peerId) => api.calls.answer.mutate({ callId, peerId }, within()),
    join: async (callId, peerId) => {
      const joined = await api.calls.join.mutate({ callId, peerId }, within());
      onPeer(callId, peerId);
      return joined;
    },
    decline: (callId) => api.calls.decline.mutate({ callId }, within()),
    hangUp: async (callId) => {
      left.add(callId);
      try {
        return await api.calls.hangUp.mutate({ callId }, within());
      } catch (error) {
        left.delete(callId);
        throw error;
      }
    },
    alive: (callId, peerId) => api.calls.alive.mutate({ callId, peerId }, within()),
    signal: async (callId, peerId, signal) => {
      if (!left.has(callId)) await api.calls.signal.mutate({ callId, peerId, signal }, within());
    },
  };
}
