import { formatCallTime, type Call } from '../../../client/src/index.js';

function format(at: Date, options: Intl.DateTimeFormatOptions, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', { ...options, timeZone }).format(at);
}

/** "15:30" today in that zone, "Tue 8 Dec, 15:30" another day. */
function clock(at: Date, timeZone: string | undefined, now: Date): string {
  const time = format(at, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, timeZone);
  const day = { year: 'numeric', month: '2-digit', day: '2-digit' } as const;
  if (format(at, day, timeZone) === format(now, day, timeZone)) return time;
  return `${format(at, { weekday: 'short', day: 'numeric', month: 'short' }, timeZone)}, ${time}`;
}

/**
 * A call's time as the agent reads it and as the customer does, their zone named:
 * "15:30 your time · 09:30 for the customer (America/New_York)". A zone this browser does not
 * know (or none given) leaves the agent's alone.
 */
export function inBothZones(iso: string, customerZone: string | null, now = new Date()): string {
  const at = new Date(iso);
  const mine = `${clock(at, undefined, now)} your time`;
  if (!customerZone) return mine;
  try {
    return `${mine} · ${clock(at, customerZone, now)} for the customer (${customerZone})`;
  } catch {
    return mine;
  }
}

/** How a call this agent rang ended, for the call bar. */
export function outcomeOf(call: Call): string {
  switch (call.status) {
    case 'completed':
      if (call.endReason === 'phone') return 'Called back by phone';
      return `Lasted ${formatCallTime(call.durationSeconds ?? 0)}${call.endReason === 'connection_lost' ? ' (connection lost)' : ''}`;
    case 'missed':
      return 'Missed';
    case 'declined':
      return 'Declined by the customer';
    case 'cancelled':
      return call.endedBy === 'customer' ? 'Cancelled by the customer' : 'Cancelled before the answer';
    default:
      return '';
  }
}

/** A `datetime-local` input's value for a moment, in this browser's zone. */
export function localInputValue(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())}T${p(at.getHours())}:${p(at.getMinutes())}`;
}
