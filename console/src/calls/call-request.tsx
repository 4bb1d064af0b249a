import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import type { Call } from '../../../client/src/index.js';
import { useTRPC } from '../api/trpc.js';
import { debouncedInvalidate } from '../inbox/apply-change.js';
import { applyCall } from './call-cache.js';
import { inCall, useCalls } from './call-provider.js';
import { waitingCallOf } from './call-status.js';
import { inBothZones, localInputValue } from './call-time.js';

/** The open conversation's waiting call request, if it has one (live, from `calls.active`). */
export function CallRequest({ conversationId, closed }: { conversationId: string; closed: boolean }) {
  const trpc = useTRPC();
  const call = waitingCallOf(useQuery(trpc.calls.active.queryOptions()).data?.calls, conversationId);
  return call ? <CallRequestCard key={call.id} call={call} closed={closed} /> : null;
}

type Form = 'schedule' | 'decline' | null;

/**
 * What the customer asked for (when, in both zones; the phone number; their note, as text) and
 * what the agent does with it: call now, set a time, mark it called back by phone, or decline
 * with a message for the customer. Each answer goes into the cache, so the inbox follows.
 */
function CallRequestCard({ call, closed }: { call: Call; closed: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const calls = useCalls();
  const invalidate = useRef(debouncedInvalidate(queryClient)).current;
  const onSuccess = (next: Call) => applyCall(queryClient, trpc, next, invalidate);
  const schedule = useMutation(trpc.calls.schedule.mutationOptions({ onSuccess }));
  const calledBack = useMutation(trpc.calls.calledBack.mutationOptions({ onSuccess }));
  const decline = useMutation(trpc.calls.declineRequest.mutationOptions({ onSuccess }));
  const [form, setForm] = useState<Form>(null);
  const [at, setAt] = useState(() => localInputValue(defaultTime(call)));
  const [message, setMessage] = useState('');
  const ids = { title: useId(), schedule: useId(), decline: useId() };
  const toggles = { schedule: useRef<HTMLButtonElement>(null), decline: useRef<HTMLButtonElement>(null) };

  const state = calls?.state;
  const ringFailure = calls?.ringFailure?.conversationId === call.conversationId && calls.ringFailure.from === 'request' ? calls.ringFailure.message : null;
  const failed = [schedule, calledBack, decline].find((m) => m.isError)?.error?.message ?? ringFailure;
  const pending = schedule.isPending || calledBack.isPending || decline.isPending;
  const chosen = at ? new Date(at) : null;
  const chosenValid = chosen && !Number.isNaN(chosen.getTime());

  const toggle = (which: Exclude<Form, null>) => setForm((open) => (open === which ? null : which));
  const leave = (which: Exclude<Form, null>) => (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    e.stopPropagation();
    setForm(null);
    toggles[which].current?.focus();
  };

  return (
    <div role="group" aria-labelledby={ids.title} className="call-request">
      <h3 id={ids.title}>Call request</h3>
      <p className="call-when">{call.preferredAt ? `Requested for ${inBothZones(call.preferredAt, call.timeZone)}` : 'Requested for as soon as possible'}</p>
      {call.status === 'scheduled' && call.scheduledAt && <p className="call-when call-scheduled">Scheduled for {inBothZones(call.scheduledAt, call.timeZone)}</p>}
      {call.phone && (
        <p className="call-phone">
          Phone: <a href={`tel:${call.phone.replace(/[^+0-9]/g, '')}`}>{call.phone}</a>
        </p>
      )}
      {call.note && <p className="call-note">{call.note}</p>}
      <div className="call-request-actions">
        <button
          type="button"
          disabled={!calls || !state || state.busy || inCall(state) || closed || pending}
          title={closed ? 'The conversation is closed' : undefined}
          onClick={() => void calls?.ring(call.conversationId, 'request')}
        >
          Call now
        </button>
        <button type="button" ref={toggles.schedule} aria-expanded={form === 'schedule'} aria-controls={ids.schedule} onClick={() => toggle('schedule')}>
          Schedule
        </button>
        <button type="button" disabled={pending} onClick={() => calledBack.mutate({ callId: call.id })}>
          Called back by phone
        </button>
        <button type="button" ref={toggles.decline} aria-expanded={form === 'decline'} aria-controls={ids.decline} onClick={() => toggle('decline')}>
          Decline
        </button>
      </div>
      {form === 'schedule' && (
        <form
          id={ids.schedule}
          className="call-form"
          onKeyDown={leave('schedule')}
          onSubmit={(e) => {
            e.preventDefault();
            if (chosenValid) schedule.mutate({ callId: call.id, scheduledAt: chosen.toISOString() });
          }}
        >
          <label>
            Call at <input type="datetime-local" required autoFocus min={localInputValue(new Date())} value={at} onChange={(e) => setAt(e.target.value)} />
          </label>
          {chosenValid && call.timeZone && <span className="hint">{inBothZones(chosen.toISOString(), call.timeZone)}</span>}
          <button type="submit" disabled={pending || !chosenValid}>
            Save time
          </button>
        </form>
      )}
      {form === 'decline' && (
        <form
          id={ids.decline}
          className="call-form"
          onKeyDown={leave('decline')}
          onSubmit={(e) => {
            e.preventDefault();
            if (message.trim()) decline.mutate({ callId: call.id, message: message.trim() });
          }}
        >
          <label>
            Message to the customer
            <textarea rows={2} required autoFocus maxLength={1000} value={message} onChange={(e) => setMessage(e.target.value)} />
          </label>
          <button type="submit" disabled={pending || !message.trim()}>
            Send decline
          </button>
        </form>
      )}
      {failed && (
        <p role="alert" className="error">
          {failed}
        </p>
      )}
    </div>
  );
}

/** The time the customer asked for when it is still ahead, else an hour from now. */
function defaultTime(call: Call): Date {
  const preferred = call.preferredAt ? new Date(call.preferredAt) : null;
  if (preferred && preferred.getTime() > Date.now() + 60_000) return preferred;
  const next = new Date(Date.now() + 3_600_000);
  next.setMinutes(Math.ceil(next.getMinutes() / 5) * 5, 0, 0);
  return next;
}
