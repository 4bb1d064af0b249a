import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../src/router/index.js';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type Outputs = inferRouterOutputs<AppRouter>;
export type InboxPage = Outputs['inbox']['list'];
export type InboxItem = InboxPage['conversations'][number];
export type Conversation = Outputs['inbox']['setStatus'];
export type Message = Outputs['messages']['send'];
