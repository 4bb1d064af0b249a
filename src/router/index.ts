import { attachmentsRouter } from './attachments.js';
import { callsRouter } from './calls.js';
import { conversationsRouter } from './conversations.js';
import { dataRequestsRouter } from './data-requests.js';
import { emailRouter } from './email.js';
import { identityRouter } from './identity.js';
import { inboxRouter } from './inbox.js';
import { liveRouter } from './live.js';
import { messagesRouter } from './messages.js';
import { notesRouter } from './notes.js';
import { onboardingRouter } from './onboarding.js';
import { presenceRouter } from './presence.js';
import { savedRepliesRouter } from './saved-replies.js';
import { createCallerFactory, router } from './trpc.js';
import { webhooksRouter } from './webhooks.js';

export const appRouter = router({
  identity: identityRouter,
  conversations: conversationsRouter,
  messages: messagesRouter,
  onboarding: onboardingRouter,
  inbox: inboxRouter,
  live: liveRouter,
  notes: notesRouter,
  savedReplies: savedRepliesRouter,
  presence: presenceRouter,
  attachments: attachmentsRouter,
  webhooks: webhooksRouter,
  dataRequests: dataRequestsRouter,
  email: emailRouter,
  calls: callsRouter,
});

/** The type internal TypeScript apps import for `@trpc/client`. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
