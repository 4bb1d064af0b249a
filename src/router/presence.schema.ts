import { z } from 'zod';
import { presenceStates } from '../db/schema.js';

/** A console sends one heartbeat every 20 s; an agent not heard from for this long is offline. */
export const PRESENCE_WINDOW_SECONDS = 60;

export const HeartbeatInput = z.object({ state: z.enum(presenceStates) });

export const AgentSchema = z.object({
  adminId: z.uuid(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  state: z.enum([...presenceStates, 'offline']),
  lastSeenAt: z.iso.datetime().nullable(),
});
export const AgentListSchema = z.object({ agents: z.array(AgentSchema) });

/** What a customer may know: one word for the widget's header, no names, no counts. */
export const SupportStatusSchema = z.object({ agentsOnline: z.boolean() });
