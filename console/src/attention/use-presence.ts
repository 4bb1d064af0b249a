import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTRPC } from '../api/trpc.js';

const BEAT_MS = 20_000;
const IDLE_MS = 5 * 60_000;

/**
 * Tells the team this agent is here: a heartbeat every 20 s while the console is open,
 * `away` while the tab is hidden or nothing was touched for five minutes, `online` again at
 * once when the agent comes back.
 */
export function usePresence() {
  const trpc = useTRPC();
  const heartbeat = useMutation(trpc.presence.heartbeat.mutationOptions());
  const beat = useRef(heartbeat.mutate);
  beat.current = heartbeat.mutate;
  useEffect(() => {
    let lastActive = Date.now();
    let sent: string | null = null;
    const state = () => (document.visibilityState === 'hidden' || Date.now() - lastActive > IDLE_MS ? 'away' : 'online');
    const send = () => {
      sent = state();
      beat.current({ state: sent as 'online' | 'away' });
    };
    const onActivity = () => {
      lastActive = Date.now();
      if (sent !== state()) send();
    };
    const events = ['keydown', 'pointerdown', 'visibilitychange'] as const;
    for (const name of events) document.addEventListener(name, onActivity);
    send();
    const timer = setInterval(send, BEAT_MS);
    return () => {
      clearInterval(timer);
      for (const name of events) document.removeEventListener(name, onActivity);
    };
  }, []);
}
