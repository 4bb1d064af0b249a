import { z } from 'zod';
import { presenceStates } from '../db/schema.js';
import { exampleIds } from './examples.js';

/** A console sends one heartbeat every 20 s; an agent not heard from for this long is offline. */
export const PRESENCE_WINDOW_SECONDS = 60;

export const HeartbeatInput = z
  .object({ state: z.enum(presenceStates).meta({ description: 'online while the console is in use, away when hidden or idle', examples: ['online'] }) })
  .describe('The agent’s state');

export const AgentSchema = z
  .object({
    adminId: z.uuid().describe('The agent'),
    name: z.string().nullable().describe('Their name (or email) from their token'),
    email: z.string().nullable().describe('Their email from their token'),
    state: z.enum([...presenceStates, 'offline']).describe(`online or away by their last heartbeat; offline after ${PRESENCE_WINDOW_SECONDS} s without one`),
    lastSeenAt: z.iso.datetime().nullable().describe('Their last heartbeat within the window; null when offline'),
  })
  .meta({
    id: 'Agent',
    description: 'An agent (admin) and whether they are here',
    examples: [{ adminId: exampleIds.admin, name: 'Ann Agent', email: 'ann@example.com', state: 'online', lastSeenAt: '2026-12-01T09:31:00.000Z' }],
  });
export const AgentListSchema = z.object({ agents: z.array(AgentSchema).describe('Online first, then away, then offline') }).describe('The agents');

/** What a customer may know: one word for the widget's header, no names, no counts. */
export const SupportStatusSchema = z
  .object({ agentsOnline: z.boolean().meta({ description: 'Whether any agent is online to answer now', examples: [true] }) })
  .describe('Whether support is here');
