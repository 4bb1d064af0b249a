import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { formatCallTime, type CallPhase } from '../../../client/src/index.js';
import { useTRPC } from '../api/trpc.js';
import { useAgent } from '../auth/agent-context.js';
import { detailsLabel } from '../ui/customer.js';
import { useShortcut } from '../ui/shortcuts.js';
import { inCall, useCalls, wasInCallHere, type Calls } from './call-provider.js';
import { isConnecting } from './call-status.js';
import { outcomeOf } from './call-time.js';

const STATUS: Record<CallPhase, string> = {
  idle: '',
  incoming: 'Ringing…',
  outgoing: 'Calling…',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  ended: 'Call ended',
};

/**
 * The call, docked under the top bar whichever conversation is open: who, how it goes, the
 * controls and the levels, the customer's audio (and video when they show it). After the end,
 * how it ended until the agent closes it. Also where this agent's call going on in another
 * window can be taken here.
 */
export function CallBar({ onOpen }: { onOpen: (conversationId: string) => void }) {
  const calls = useCalls();
  const trpc = useTRPC();
  const me = useAgent().id;
  const active = useQuery(trpc.calls.active.queryOptions()).data;
  if (!calls) return null;
  const { state } = calls;
  if (state.call && state.phase !== 'idle') return <CallInProgress calls={calls} onOpen={onOpen} />;
  const elsewhere = active?.calls.find((call) => call.agentId === me && isConnecting(call));
  // While this window rings, its new call may be heard of before the ring's answer.
  if (!elsewhere || (state.busy && state.call?.id !== elsewhere.id)) return null;
  // After a reload the provider rejoins by itself, as soon as the live feed is up.
  const rejoining = state.busy || wasInCallHere(elsewhere.id);
  return (
    <div role="region" aria-label="Call" className="call-bar">
      <Customer conversationId={elsewhere.conversationId} onOpen={onOpen} />
      <span className="call-status" role="status">
        {rejoining ? 'Rejoining your call…' : 'Your call goes on in another window'}
      </span>
      {!rejoining && (
        <button type="button" onClick={() => calls.takeOver(elsewhere)}>
          Take the call here
        </button>
      )}
      {state.error && !calls.ringFailure && (
        <p className="call-error" role="alert">
          {state.error}
        </p>
      )}
    </div>
  );
}

function Customer({ conversationId, onOpen }: { conversationId: string; onOpen: (conversationId: string) => void }) {
  const trpc = useTRPC();
  const details = useQuery(trpc.conversations.details.queryOptions({ conversationId })).data;
  return (
    <span className="call-who">
      <span className="call-customer">{details ? detailsLabel(details) : 'Customer'}</span>
      <button type="button" aria-label="Open conversation" onClick={() => onOpen(conversationId)}>
        Open<span className="wide-only"> conversation</span>
      </button>
    </span>
  );
}

function CallInProgress({ calls, onOpen }: { calls: Calls; onOpen: (conversationId: string) => void }) {
  const { session, media, state } = calls;
  const call = state.call!;
  const going = inCall(state);
  const hangUp = useRef<HTMLButtonElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  const { local, remote } = state;
  useShortcut(['m'], () => session.setMuted(!local.muted), going);

  // The button that rang is disabled now: the agent lands on "Hang up", then on "Close".
  const landed = useRef<string | null>(null);
  useEffect(() => {
    const target = going ? hangUp.current : close.current;
    const key = `${call.id}:${going}`;
    if (landed.current === key || !target) return;
    landed.current = key;
    const focus = document.activeElement;
    if (!focus || focus === document.body || (focus as HTMLButtonElement).disabled || !focus.isConnected) target.focus();
  });

  const theirs = remote.screen ? 'The customer is sharing their screen' : remote.camera ? 'The customer’s camera is on' : null;
  return (
    <div role="region" aria-label="Call" className="call-bar" data-phase={state.phase}>
      <Customer conversationId={call.conversationId} onOpen={onOpen} />
      <span className="call-status" role="status">
        {STATUS[state.phase]}
      </span>
      {state.phase === 'ended' ? (
        <span className="call-outcome">{outcomeOf(call)}</span>
      ) : (
        call.answeredAt && <CallTimer since={call.answeredAt} />
      )}
      {going && (
        <>
          <span className="call-controls">
            <button type="button" aria-pressed={local.muted} aria-keyshortcuts="m" title="Mute or unmute (m)" onClick={() => session.setMuted(!local.muted)}>
              Mute
            </button>
            <button type="button" aria-pressed={local.camera} onClick={() => void session.setVideo(local.camera ? null : 'camera')}>
              Camera
            </button>
            <button type="button" aria-pressed={local.screen} onClick={() => void session.setVideo(local.screen ? null : 'screen')}>
              Share screen
            </button>
            <button type="button" ref={hangUp} className="hang-up" disabled={state.busy} onClick={() => void session.hangUp()}>
              Hang up
            </button>
          </span>
          <span className="call-levels">
            <label>
              Your microphone <meter min={0} max={1} value={state.levels.local} />
            </label>
            <label>
              Their audio <meter min={0} max={1} value={state.levels.remote} />
            </label>
          </span>
          {(remote.muted || theirs) && (
            <span className="call-remote-state" role="status">
              {[remote.muted && 'The customer muted their microphone', theirs].filter(Boolean).join(' · ')}
            </span>
          )}
          <Stream kind="audio" stream={media.remote} phase={state.phase} />
          {theirs && <Stream kind="video" className="call-remote-video" label="The customer’s video" stream={media.remote} phase={state.phase} />}
          {(local.camera || local.screen) && <Stream kind="video" className="call-local-video" label="Your video" stream={media.localVideo} phase={state.phase} />}
        </>
      )}
      {state.phase === 'ended' && (
        <button type="button" ref={close} onClick={() => session.dismiss()}>
          Close
        </button>
      )}
      {going && state.error && (
        <p className="call-error" role="alert">
          {state.error}
        </p>
      )}
    </div>
  );
}

/** m:ss since the answer, every second. */
function CallTimer({ since }: { since: string }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className="call-timer" role="timer">
      {formatCallTime((now - Date.parse(since)) / 1000)}
    </span>
  );
}

/**
 * A media element playing one of the call's streams. The tracks arrive after the element is
 * made, so the stream is set again (and played) as the call's phase moves; a refused autoplay
 * is left alone (the console's click to call counts as the gesture in practice).
 */
function Stream({ kind, stream, phase, className, label }: { kind: 'audio' | 'video'; stream: MediaStream; phase: CallPhase; className?: string; label?: string }) {
  const element = useRef<HTMLMediaElement | null>(null);
  useEffect(() => {
    const el = element.current;
    if (!el) return;
    el.srcObject = null;
    el.srcObject = stream;
    void el.play().catch(() => undefined);
  }, [stream, phase]);
  if (kind === 'audio') return <audio ref={(el) => void (element.current = el)} autoPlay />;
  return <video ref={(el) => void (element.current = el)} className={className} aria-label={label} autoPlay playsInline muted />;
}
