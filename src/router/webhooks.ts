import { randomBytes } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { deleteEndpoint, findEndpoint, insertEndpoint, insertTestDelivery, listEndpoints, recentDeliveries, updateEndpoint } from '../db/webhooks.js';
import { webhookUrlProblem } from '../net/webhook-requests.js';
import type { Context } from './context.js';
import {
  CreateWebhookInput,
  MAX_WEBHOOK_ENDPOINTS,
  toWebhookDelivery,
  toWebhookEndpoint,
  UpdateWebhookInput,
  WebhookDeliveriesInput,
  WebhookIdInput,
} from './webhooks.schema.js';
import { adminProcedure, identityKey, rateLimited, router } from './trpc.js';

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Webhook endpoint not found' });
const writing = adminProcedure.use(rateLimited('AGENT_WRITES_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined)));

/** Standard Webhooks' secret form: `whsec_` and 24 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

async function checkUrl(ctx: Pick<Context, 'webhookTargets'>, url: string): Promise<void> {
  const problem = await webhookUrlProblem(url, ctx.webhookTargets);
  if (problem) throw new TRPCError({ code: 'BAD_REQUEST', message: problem });
}

/**
 * Webhooks out, for admins: any agent manages the team's endpoints. Events reach them from
 * the outbox (src/outbox), signed, in order per conversation, retried for a day.
 */
export const webhooksRouter = router({
  list: adminProcedure.query(async ({ ctx }) => ({ endpoints: (await listEndpoints(ctx.db)).map(toWebhookEndpoint) })),

  create: writing.input(CreateWebhookInput).mutation(async ({ ctx, input }) => {
    await checkUrl(ctx, input.url);
    if ((await listEndpoints(ctx.db)).length >= MAX_WEBHOOK_ENDPOINTS) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: `At most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints; delete one first` });
    }
    const secret = newSecret();
    const row = await insertEndpoint(ctx.db, { ...input, secret, createdBy: ctx.principal.id });
    return { ...toWebhookEndpoint(row), secret };
  }),

  update: writing.input(UpdateWebhookInput).mutation(async ({ ctx, input }) => {
    if (input.url !== undefined) await checkUrl(ctx, input.url);
    const row = await updateEndpoint(ctx.db, input.id, input);
    if (!row) throw notFound();
    return toWebhookEndpoint(row);
  }),

  delete: writing.input(WebhookIdInput).mutation(async ({ ctx, input }) => {
    if (!(await deleteEndpoint(ctx.db, input.id))) throw notFound();
    return { id: input.id, deleted: true as const };
  }),

  rotateSecret: writing.input(WebhookIdInput).mutation(async ({ ctx, input }) => {
    const secret = newSecret();
    if (!(await updateEndpoint(ctx.db, input.id, { secret }))) throw notFound();
    return { id: input.id, secret };
  }),

  sendTest: writing.input(WebhookIdInput).mutation(async ({ ctx, input }) => {
    if (!(await findEndpoint(ctx.db, input.id))) throw notFound();
    const delivery = await insertTestDelivery(ctx.db, input.id, { message: 'A test event from the support chat', sentBy: ctx.principal.id });
    return { deliveryId: delivery.id };
  }),

  deliveries: adminProcedure.input(WebhookDeliveriesInput).query(async ({ ctx, input }) => {
    if (!(await findEndpoint(ctx.db, input.id))) throw notFound();
    const rows = await recentDeliveries(ctx.db, input.id, { limit: input.limit + 1, before: input.before, status: input.status });
    const page = rows.slice(0, input.limit);
    return { deliveries: page.map(toWebhookDelivery), nextCursor: rows.length > input.limit ? page.at(-1)!.seq : null };
  }),
});
