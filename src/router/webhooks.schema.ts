import { z } from 'zod';
import { webhookDeliveryStatuses, webhookEventTypes, type WebhookDeliveryRow, type WebhookEndpointRow } from '../db/schema.js';
import { exampleIds } from './examples.js';

export const MAX_WEBHOOK_ENDPOINTS = 20;
const exampleEndpointId = '5b0e8a4e-8a53-4b7d-9d8a-0f8f4d1b2c3a';
const exampleDeliveryId = '8d3f2c1b-6a5e-4f7d-9c8b-1a2b3c4d5e6f';
const exampleSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const exampleEndpoint = {
  id: exampleEndpointId,
  url: 'https://hooks.example.com/support',
  description: 'CRM sync',
  events: ['message.created', 'conversation.closed'],
  enabled: true,
  disabledReason: null,
  failingSince: null,
  createdBy: exampleIds.admin,
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
};
const exampleDelivery = {
  id: exampleDeliveryId,
  eventType: 'message.created',
  conversationId: exampleIds.conversation,
  status: 'delivered',
  attempts: 2,
  nextAttemptAt: null,
  lastAttemptAt: '2026-12-01T09:00:10.000Z',
  lastStatus: 200,
  lastResponse: 'ok',
  lastError: null,
  createdAt: '2026-12-01T09:00:00.000Z',
  deliveredAt: '2026-12-01T09:00:10.000Z',
};

const EventTypes = z
  .array(z.enum(webhookEventTypes))
  .min(1, 'events must name at least one event')
  .max(webhookEventTypes.length)
  .refine((events) => new Set(events).size === events.length, 'events must not repeat an event')
  .meta({ description: 'The events this endpoint receives', examples: [['message.created', 'conversation.closed']] });

export const WebhookEndpointSchema = z
  .object({
    id: z.uuid().describe('Endpoint id'),
    url: z.string().describe('Where events are POSTed'),
    description: z.string().describe('What the endpoint is for, for the admins'),
    events: z.array(z.enum(webhookEventTypes)).describe('The events it receives'),
    enabled: z.boolean().describe('Whether events are sent to it; a disabled endpoint keeps its events until it is enabled again'),
    disabledReason: z.string().nullable().describe('Why it is disabled: by an admin, or after failing for days'),
    failingSince: z.iso.datetime().nullable().describe('Since when every attempt has failed; null while it answers'),
    createdBy: z.uuid().describe('The admin who registered it'),
    createdAt: z.iso.datetime().describe('When it was registered'),
    updatedAt: z.iso.datetime().describe('When it was last changed'),
  })
  .meta({ id: 'WebhookEndpoint', description: 'An HTTPS endpoint that receives signed events', examples: [exampleEndpoint] });

export function toWebhookEndpoint(row: WebhookEndpointRow): z.infer<typeof WebhookEndpointSchema> {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since?.toISOString() ?? null,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const Secret = z.string().meta({ description: 'The signing secret (`whsec_…`, Standard Webhooks): shown only when created or rotated', examples: [exampleSecret] });
export const WebhookEndpointWithSecretSchema = WebhookEndpointSchema.extend({ secret: Secret }).meta({
  id: 'WebhookEndpointWithSecret',
  description: 'A new endpoint, with its signing secret (shown this once)',
  examples: [{ ...exampleEndpoint, secret: exampleSecret }],
});
export const WebhookSecretSchema = z.object({ id: z.uuid().meta({ description: 'Endpoint id', examples: [exampleEndpointId] }), secret: Secret }).describe('The endpoint’s new secret; the old one stops at once');

export const WebhookDeliverySchema = z
  .object({
    id: z.uuid().describe('The `webhook-id` header: the same on every attempt, for deduplication'),
    eventType: z.string().describe('The event, or `webhook.test`'),
    conversationId: z.uuid().nullable().describe('The conversation it is about'),
    status: z.enum(webhookDeliveryStatuses).describe('pending (waiting or retrying), delivered, or failed: given up after retrying for a day'),
    attempts: z.number().int().describe('Attempts so far'),
    nextAttemptAt: z.iso.datetime().nullable().describe('When a pending delivery is tried next'),
    lastAttemptAt: z.iso.datetime().nullable().describe('When it was last tried'),
    lastStatus: z.number().int().nullable().describe('The HTTP status of the last answer'),
    lastResponse: z.string().nullable().describe('The first KiB of the last answer’s body, as text'),
    lastError: z.string().nullable().describe('Why the last attempt failed'),
    createdAt: z.iso.datetime().describe('When the event happened'),
    deliveredAt: z.iso.datetime().nullable().describe('When the endpoint accepted it'),
  })
  .meta({ id: 'WebhookDelivery', description: 'One event for one endpoint, and what the endpoint answered', examples: [exampleDelivery] });

export function toWebhookDelivery(row: WebhookDeliveryRow): z.infer<typeof WebhookDeliverySchema> {
  return {
    id: row.id,
    eventType: row.event_type,
    conversationId: row.conversation_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    lastStatus: row.last_status,
    lastResponse: row.last_response,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  };
}

const EndpointId = z.uuid().meta({ description: 'The endpoint', examples: [exampleEndpointId] });
const Url = z.string().trim().min(1, 'url cannot be empty').max(2000, 'url is longer than 2000 characters').meta({ description: 'An https URL on a public address', examples: ['https://hooks.example.com/support'] });
const Description = z.string().trim().max(500, 'description is longer than 500 characters').meta({ description: 'What the endpoint is for' });

export const CreateWebhookInput = z.object({ url: Url, events: EventTypes, description: Description.default('') });
export const UpdateWebhookInput = z.object({
  id: EndpointId,
  url: Url.optional(),
  events: EventTypes.optional(),
  description: Description.optional(),
  enabled: z.boolean().optional().describe('false stops deliveries (they wait); true resumes them and clears a failure streak'),
});
export const WebhookIdInput = z.object({ id: EndpointId });
export const WebhookDeliveriesInput = z.object({
  id: EndpointId,
  status: z.enum(webhookDeliveryStatuses).optional().describe('Only deliveries in this state (failed: the dead letters)'),
  limit: z.number().int().min(1).max(100).default(50).describe('At most this many, newest first'),
  before: z.string().regex(/^\d{1,18}$/, 'before must be a cursor from nextCursor').optional().describe('The nextCursor of the previous page'),
});

export const WebhookListSchema = z.object({ endpoints: z.array(WebhookEndpointSchema).describe('Oldest first') }).describe('The registered endpoints');
export const WebhookDeletedSchema = z.object({ id: EndpointId, deleted: z.literal(true).describe('Always true') }).describe('The endpoint deleted, with its pending events');
export const WebhookTestSchema = z.object({ deliveryId: z.uuid().meta({ description: 'The test delivery: see it in the endpoint’s deliveries', examples: [exampleDeliveryId] }) }).describe('A `webhook.test` event queued');
export const WebhookDeliveriesSchema = z
  .object({
    deliveries: z.array(WebhookDeliverySchema).describe('Newest first'),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `before` for older ones; null at the end', examples: ['1234'] }),
  })
  .describe('An endpoint’s deliveries');
