import { z } from 'zod';
import type { CallWithPeople } from '../db/calls.js';
import { callSides, callStatuses } from '../db/schema.js';
import { exampleIds } from './examples.js';
import { ConversationSchema } from './conversations.schema.js';
import { personName } from './notes.schema.js';

/** Large enough for an audio, video and screen offer with many codecs; far under a socket frame. */
export const MAX_SDP_LENGTH = 32 * 1024;
export const MAX_CALL_NOTE_LENGTH = 1_000;
/** How far ahead a customer may ask to be called, and an agent may schedule. */
export const MAX_CALL_AHEAD_DAYS = 60;

const iso = z.iso.datetime();
const exampleCall = {
  id: exampleIds.call,
  conversationId: exampleIds.conversation,
  status: 'completed',
  origin: 'customer',
  preferredAt: null,
  timeZone: 'Europe/Paris',
  phone: null,
  note: 'About my last invoice',
  scheduledAt: null,
  declineMessage: null,
  agentId: exampleIds.admin,
  agentName: 'Ada Lovelace',
  agentPeer: 'a1b2c3d4e5f6a7b8',
  customerPeer: 'f6e5d4c3b2a1f0e9',
  rangAt: '2026-12-07T10:00:00.000Z',
  answeredAt: '2026-12-07T10:00:04.000Z',
  endedAt: '2026-12-07T10:03:16.000Z',
  endedBy: 'customer',
  endReason: 'hung_up',
  durationSeconds: 192,
  version: 5,
  createdAt: '2026-12-07T09:58:00.000Z',
  updatedAt: '2026-12-07T10:03:16.000Z',
} as const;

/** A call request or an in-app call: the record both sides and the history see. */
export const CallSchema = z
  .object({
    id: z.uuid().describe('Call id'),
    conversationId: z.uuid().describe('The conversation it belongs to'),
    status: z
      .enum(callStatuses)
      .describe('requested (the customer asked), scheduled (an agent set a time), ringing, in_progress; then completed, missed, cancelled or declined'),
    origin: z.enum(callSides).describe('customer: a call request; agent: an agent rang first'),
    preferredAt: iso.nullable().describe('When the customer would like the call; null for “as soon as possible”'),
    timeZone: z.string().nullable().describe('The customer’s IANA time zone, to show times as they see them'),
    phone: z.string().nullable().describe('A phone number the customer gave for a call back'),
    note: z.string().nullable().describe('What the customer wants to talk about (plain text)'),
    scheduledAt: iso.nullable().describe('When the agent will call'),
    declineMessage: z.string().nullable().describe('What the agent said when declining the request'),
    agentId: z.uuid().nullable().describe('The agent taking the call'),
    agentName: z.string().nullable().describe('Their name (or email) from their token'),
    agentPeer: z.string().nullable().describe('The agent’s window in the call (changes when it rejoins)'),
    customerPeer: z.string().nullable().describe('The customer’s window in the call (changes when it rejoins)'),
    rangAt: iso.nullable().describe('When the ringing started'),
    answeredAt: iso.nullable().describe('When the customer answered'),
    endedAt: iso.nullable().describe('When it ended'),
    endedBy: z.enum([...callSides, 'system']).nullable().describe('Who ended it (system: no answer, or a side lost for too long)'),
    endReason: z.string().nullable().describe('hung_up, declined, cancelled, no_answer, connection_lost or phone'),
    durationSeconds: z.number().int().nullable().describe('From the answer to the end'),
    version: z.number().int().describe('Bumped by every change: of two states of a call, the higher is the newer'),
    createdAt: iso.describe('When it was asked for or rung'),
    updatedAt: iso.describe('Its last change'),
  })
  .meta({ id: 'Call', description: 'A call request or an in-app call', examples: [exampleCall] });
export type Call = z.infer<typeof CallSchema>;

const time = (d: Date | null) => d?.toISOString() ?? null;

export function toCall(row: CallWithPeople): Call {
  const duration = row.answered_at && row.ended_at ? Math.max(0, Math.round((row.ended_at.getTime() - row.answered_at.getTime()) / 1000)) : null;
  return {
    id: row.id,
    conversationId: row.conversation_id,
    status: row.status,
    origin: row.origin,
    preferredAt: time(row.preferred_at),
    timeZone: row.time_zone,
    phone: row.phone,
    note: row.note,
    scheduledAt: time(row.scheduled_at),
    declineMessage: row.decline_message,
    agentId: row.agent_id,
    agentName: row.agent_id ? personName(row) : null,
    agentPeer: row.agent_peer,
    customerPeer: row.customer_peer,
    rangAt: time(row.rang_at),
    answeredAt: time(row.answered_at),
    endedAt: time(row.ended_at),
    endedBy: row.ended_by,
    endReason: row.end_reason,
    durationSeconds: duration,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const TimeZone = z.string().max(64).refine(isTimeZone, 'Unknown time zone').meta({ description: 'An IANA time zone', examples: ['Europe/Paris'] });
const withinAhead = (value: string) => {
  const at = Date.parse(value);
  // Not a time at all is the datetime check's to say.
  if (Number.isNaN(at)) return true;
  return at > Date.now() - 60_000 && at < Date.now() + MAX_CALL_AHEAD_DAYS * 86_400_000;
};
const FutureTime = iso.refine(withinAhead, `Must be in the future and within ${MAX_CALL_AHEAD_DAYS} days`);
const callId = z.uuid().meta({ description: 'The call', examples: [exampleIds.call] });
/** A window's id in a call, chosen by the client; only the current window of a side may signal. */
export const PeerId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'peerId must be 8 to 64 letters, digits, - or _')
  .meta({ description: 'This window’s id in the call (random, chosen by the client)', examples: [exampleCall.agentPeer] });

export const RequestCallInput = z
  .object({
    when: z.enum(['now', 'later']).default('now').describe('now: as soon as an agent can; later: at preferredAt'),
    preferredAt: FutureTime.optional().describe('Required with when = later'),
    timeZone: TimeZone.optional().describe('The customer’s time zone (the widget sends the browser’s)'),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ().-]{5,32}$/, 'Phone number must be 5 to 32 digits, spaces, dots, dashes or brackets, optionally after +')
      .optional()
      .describe('A number to call back on, if the customer prefers the phone'),
    note: z.string().trim().max(MAX_CALL_NOTE_LENGTH, `Note is longer than ${MAX_CALL_NOTE_LENGTH} characters`).optional().describe('What it is about'),
  })
  .superRefine((r, ctx) => {
    if (r.when === 'later' && !r.preferredAt) ctx.addIssue({ code: 'custom', path: ['preferredAt'], message: 'preferredAt is required when the call is for later' });
    if (r.when === 'now' && r.preferredAt) ctx.addIssue({ code: 'custom', path: ['preferredAt'], message: 'preferredAt is only for a call later' });
  })
  .meta({ description: 'A call request', examples: [{ when: 'later', preferredAt: '2026-12-08T14:30:00.000Z', timeZone: 'Europe/Paris', phone: '+33 6 12 34 56 78', note: 'About my last invoice' }] });

export const CallRef = z.object({ callId }).meta({ description: 'A call', examples: [{ callId: exampleIds.call }] });
export const ScheduleCallInput = z
  .object({ callId, scheduledAt: FutureTime.describe('When the agent will call') })
  .meta({ description: 'The time the agent will call', examples: [{ callId: exampleIds.call, scheduledAt: '2026-12-08T14:30:00.000Z' }] });
export const DeclineCallRequestInput = z.object({
  callId,
  message: z.string().trim().min(1, 'Say why, for the customer').max(MAX_CALL_NOTE_LENGTH, `Message is longer than ${MAX_CALL_NOTE_LENGTH} characters`).describe('Shown to the customer'),
}).meta({ description: 'Why the request is declined', examples: [{ callId: exampleIds.call, message: 'We can only call on weekdays; write to us here instead.' }] });
export const RingInput = z
  .object({ conversationId: z.uuid().describe('The conversation whose customer to call'), peerId: PeerId })
  .meta({ description: 'Whom to ring, from which window', examples: [{ conversationId: exampleIds.conversation, peerId: exampleCall.agentPeer }] });
export const JoinCallInput = z
  .object({ callId, peerId: PeerId })
  .meta({ description: 'A call, and the window speaking for this side', examples: [{ callId: exampleIds.call, peerId: exampleCall.customerPeer }] });

const Sdp = z.string().min(1).max(MAX_SDP_LENGTH, `SDP is longer than ${MAX_SDP_LENGTH} characters`).describe('The session description, as RTCPeerConnection wrote it');
const exampleSdp = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n…';
/** What WebRTC needs passed between the two windows; the server reads none of it. */
export const SignalSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('offer').describe('The agent’s offer'), sdp: Sdp }).describe('An offer'),
    z.object({ kind: z.literal('answer').describe('The customer’s answer'), sdp: Sdp }).describe('An answer'),
    z
      .object({
        kind: z.literal('candidate').describe('A trickled ICE candidate'),
        candidate: z
          .object({
            candidate: z.string().max(1024).describe('The candidate line'),
            sdpMid: z.string().max(64).nullish().describe('Its media section id'),
            sdpMLineIndex: z.number().int().min(0).max(64).nullish().describe('Its media section index'),
            usernameFragment: z.string().max(256).nullish().describe('Its ICE username fragment'),
          })
          .describe('RTCIceCandidate.toJSON()'),
      })
      .describe('An ICE candidate'),
    z
      .object({
        kind: z.literal('media').describe('The sender’s media state'),
        muted: z.boolean().describe('Microphone muted'),
        camera: z.boolean().describe('Camera on'),
        screen: z.boolean().describe('Screen shared'),
      })
      .describe('Media state, shown to the other side'),
  ])
  .meta({ description: 'offer / answer (SDP), an ICE candidate, or the sender’s media state (muted, camera, screen)', examples: [{ kind: 'offer', sdp: exampleSdp }] });
export type Signal = z.infer<typeof SignalSchema>;
export const SignalInput = z
  .object({ callId, peerId: PeerId, signal: SignalSchema })
  .meta({ description: 'A signal for the other party', examples: [{ callId: exampleIds.call, peerId: exampleCall.agentPeer, signal: { kind: 'offer', sdp: exampleSdp } }] });

const exampleConnection = {
  iceServers: [
    { urls: ['stun:stun.example.com:3478'] },
    { urls: ['turn:turn.example.com:3478?transport=udp'], username: '1765105200:1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b:customer', credential: 'b3Jx0yq1Wd3m5u1c2Jm9b5Q0m0A=' },
  ],
  iceTransportPolicy: 'all',
} as const;

/** What a party's window needs to connect: ICE servers with TURN credentials minted for it. */
export const CallConnectionSchema = z
  .object({
    iceServers: z
      .array(
        z
          .object({
            urls: z.array(z.string()).describe('stun:, turn: or turns: URLs'),
            username: z.string().optional().describe('TURN: `<expiry unix seconds>:<call>:<side>`'),
            credential: z.string().optional().describe('TURN: expires with the username’s timestamp (TURN REST API); never a long-lived password'),
          })
          .describe('An ICE server'),
      )
      .describe('For RTCPeerConnection’s iceServers'),
    iceTransportPolicy: z.enum(['all', 'relay']).describe('relay: media only through TURN (CALL_ICE_TRANSPORT_POLICY)'),
  })
  .meta({ description: 'RTCPeerConnection configuration for this party', examples: [exampleConnection] });
export type CallConnection = z.infer<typeof CallConnectionSchema>;

export const JoinedCallSchema = z
  .object({ call: CallSchema, connection: CallConnectionSchema })
  .meta({ description: 'The call, and how to connect to it', examples: [{ call: { ...exampleCall, status: 'ringing', answeredAt: null, endedAt: null, endedBy: null, endReason: null, durationSeconds: null }, connection: exampleConnection }] });
export const RequestedCallSchema = z.object({ call: CallSchema, conversation: ConversationSchema }).describe('The request, in the customer’s call_request conversation');
export const CallListSchema = z.object({ calls: z.array(CallSchema).describe('Newest first') }).describe('Calls');
export const SignalSentSchema = z.object({ callId, delivered: z.literal(true).describe('Always true') }).describe('Passed to the other party');
export const CallSignalEventSchema = z
  .object({ callId, conversationId: z.uuid().describe('The call’s conversation'), fromPeer: PeerId, signal: SignalSchema })
  .meta({ description: 'A signal from the other party of your call', examples: [{ callId: exampleIds.call, conversationId: exampleIds.conversation, fromPeer: exampleCall.agentPeer, signal: { kind: 'offer', sdp: exampleSdp } }] });

/** A window still in its call: the call's status. */
export const CallAliveSchema = z
  .object({ callId, status: CallSchema.shape.status })
  .meta({ description: 'The call’s status', examples: [{ callId: exampleIds.call, status: 'in_progress' }] });
