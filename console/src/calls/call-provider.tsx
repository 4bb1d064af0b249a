import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useReducer, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { BrowserCallMedia } from '../../../client/browser/webrtc.js';
import { CallSession, type Call, type CallState } from '../../../client/src/index.js';
import { tabStorage } from '../api/storage.js';
import { useTRPC, useTRPCClient } from '../api/trpc.js';
import { useAgent } from '../auth/agent-context.js';
import { debouncedInvalidate } from '../inbox/apply-change.js';
import { applyCall } from './call-cache.js';
import { isConnecting } from './call-status.js';
import { trpcCallTransport } from './call-transport.js';

/** The call this tab is in, kept across a reload (sessionStorage is the tab's own). */
const IN_CALL_KEY = 'supportConsole.call';

/** Where a ring was asked for, so its failure shows beside the button that asked. */
export type RingFrom = 'header' | 'request';
export interface RingFailure {
  conversationId: string;
  from: RingFrom;
  message: string;
}

export interface Calls {
  session: CallSession;
  /** The devices and the peer connection: `remote` and `localVideo` are what the call bar plays. */
  media: BrowserCallMedia;
  state: CallState;
  /** Rings a conversation's customer from this window (nothing while a call goes on here). */
  ring(conversationId: string, from: RingFrom): Promise<void>;
  ringFailure: RingFailure | null;
  /** Brings this agent's call from another window (or a lost tab) into this one. */
  takeOver(call: Call): void;
}

/** Whether this tab was in the call before a reload (it rejoins it by itself). */
export const wasInCallHere = (callId: string) => tabStorage.get(IN_CALL_KEY) === callId;

/** Ringing, connecting, connected or reconnecting: the session holds a call with media. */
export const inCall = (state: Pick<CallState, 'phase'>) => state.phase !== 'idle' && state.phase !== 'ended';

const CallsContext = createContext<Calls | null>(null);

/** The console's calls; null until the session is made (the first render). */
export function useCalls(): Calls | null {
  return useContext(CallsContext);
}

interface Made {
  session: CallSession;
  media: BrowserCallMedia;
}

const noState = () => null;
const none = () => () => undefined;

/**
 * One call session for the signed-in console (the shared core's CallSession, agent side, with
 * the browser's media), so a call goes on while the agent moves between conversations. It is fed
 * by `live.calls`: a call's news goes into the query cache (`calls.active`, which every view of
 * calls reads) and to the session, signals to the session. Each (re)start of the feed reads
 * `calls.active` again: a call this tab was in before a reload is rejoined; one that ended while
 * the feed was down is told to the session.
 *
 * Only the tab that was in a call rejoins it by itself (its sessionStorage says so): another tab
 * of the same agent offers "Take the call here" instead of silently taking the call away. A tab
 * whose call was taken by another window lets go of it (a fresh session, its media closed).
 */
export function CallProvider({ children }: { children: ReactNode }) {
  const api = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useAgent().id;
  const [made, setMade] = useState<Made | null>(null);
  const [generation, setGeneration] = useState(0);
  const [ringFailure, setRingFailure] = useState<RingFailure | null>(null);
  /** Re-renders after what sessionStorage says changed (a rejoin that failed). */
  const [storageVersion, storageChanged] = useReducer((n: number) => n + 1, 0);
  const current = useRef<Made | null>(null);
  /** The peer id this window holds its call with. */
  const peer = useRef<{ callId: string; peerId: string } | null>(null);
  /** Set while the session is replaced because its call moved to another window (no hang-up then). */
  const letGo = useRef(false);

  useEffect(() => {
    const media = new BrowserCallMedia();
    const transport = trpcCallTransport(api, (callId, peerId) => (peer.current = { callId, peerId }));
    const session = new CallSession({ side: 'agent', transport, media });
    const keep = () => {
      const state = session.getState();
      if (state.call && inCall(state)) tabStorage.set(IN_CALL_KEY, state.call.id);
      else if (state.phase === 'ended') tabStorage.remove(IN_CALL_KEY);
    };
    const stopKeeping = session.subscribe(keep);
    current.current = { session, media };
    setMade(current.current);
    return () => {
      stopKeeping();
      // Signing out ends this agent's call; a call that moved to another window goes on there.
      if (!letGo.current && inCall(session.getState())) {
        void session.hangUp();
        tabStorage.remove(IN_CALL_KEY);
      }
      letGo.current = false;
      session.dispose();
      if (current.current?.session === session) current.current = null;
    };
  }, [api, generation]);

  useEffect(() => {
    const invalidate = debouncedInvalidate(queryClient);

    function onCall(call: Call) {
      applyCall(queryClient, trpc, call, invalidate);
      const session = current.current?.session;
      if (!session) return;
      const state = session.getState();
      const held = peer.current;
      if (state.call?.id === call.id && inCall(state) && isConnecting(call) && held?.callId === call.id && call.agentPeer && call.agentPeer !== held.peerId) {
        // Another window of this agent joined the call: it is that window's now.
        peer.current = null;
        letGo.current = true;
        tabStorage.remove(IN_CALL_KEY);
        setGeneration((g) => g + 1);
        return;
      }
      session.updated(call);
    }

    async function refresh() {
      let calls: Call[];
      try {
        ({ calls } = await queryClient.fetchQuery({ ...trpc.calls.active.queryOptions(), staleTime: 0 }));
      } catch {
        return; // the query cache's error handling (a 401 signs out) has it
      }
      const session = current.current?.session;
      if (!session) return;
      const state = session.getState();
      if (state.call && inCall(state)) {
        const now = calls.find((c) => c.id === state.call!.id);
        if (now) return onCall(now);
        // It ended while the feed was down: how, the conversation's calls say.
        const ended = await api.calls.list.query({ conversationId: state.call.conversationId }).catch(() => null);
        const final = ended?.calls.find((c) => c.id === state.call!.id);
        if (final) onCall(final);
        return;
      }
      const mine = calls.find((c) => c.agentId === me && isConnecting(c));
      if (mine && !state.busy && wasInCallHere(mine.id)) {
        peer.current = null;
        if (!(await session.rejoin(mine))) {
          tabStorage.remove(IN_CALL_KEY);
          storageChanged();
        }
      }
    }

    const live = api.live.calls.subscribe(undefined, {
      onStarted: () => void refresh(),
      onData: (event) => {
        if (event.type === 'call') onCall(event.call);
        else current.current?.session.signalled(event);
      },
    });
    return () => live.unsubscribe();
  }, [api, trpc, queryClient, me]);

  const session = made?.session;
  const state = useSyncExternalStore(session?.subscribe ?? none, session?.getState ?? noState);

  const value = useMemo<Calls | null>(() => {
    if (!made || !state) return null;
    return {
      ...made,
      state,
      ringFailure,
      async ring(conversationId, from) {
        const before = made.session.getState();
        if (before.busy || inCall(before)) return;
        setRingFailure(null);
        peer.current = null;
        if (!(await made.session.ring(conversationId))) {
          setRingFailure({ conversationId, from, message: made.session.getState().error ?? 'The call could not be started.' });
        }
      },
      takeOver(call) {
        const now = made.session.getState();
        if (now.busy || inCall(now)) return;
        peer.current = null;
        void made.session.rejoin(call);
      },
    };
    // storageVersion: views read wasInCallHere, which a failed rejoin changed.
  }, [made, state, ringFailure, storageVersion]);

  return <CallsContext.Provider value={value}>{children}</CallsContext.Provider>;
}
