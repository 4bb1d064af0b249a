import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createApiClient, statusOf } from './api/client.js';
import { TRPCProvider } from './api/trpc.js';
import type { Session } from './app.js';
import { NOT_AN_AGENT } from './auth/check-token.js';
import { AgentProvider } from './auth/agent-context.js';
import { CallProvider } from './calls/call-provider.js';
import { Console } from './console.js';
import { consoleFiles, FilesProvider } from './thread/trpc-files.js';

/**
 * One query cache, one tRPC client, one file transport and one call session per signed-in token: signing out drops
 * them all (and hangs up a call), so nothing of one agent's inbox outlives their session. A 401 or 403 from any call
 * ends the session.
 */
export function SignedIn({ session, onSignedOut }: { session: Session; onSignedOut: (why: string | null) => void }) {
  const [clients] = useState(() => {
    const refused = (error: unknown) => {
      const status = statusOf(error);
      if (status === 401) onSignedOut('Your session has expired: sign in again (your drafts are kept)');
      else if (status === 403) onSignedOut(NOT_AN_AGENT);
    };
    const queryClient = new QueryClient({
      queryCache: new QueryCache({ onError: refused }),
      mutationCache: new MutationCache({ onError: refused }),
      defaultOptions: {
        // Live events keep the cache current; a refetch on focus is only a safety net.
        queries: { staleTime: 30_000, retry: (count, error) => count < 2 && ![401, 403, 404].includes(statusOf(error) ?? 0) },
      },
    });
    const trpcClient = createApiClient(session.token);
    return { queryClient, trpcClient, files: consoleFiles(trpcClient, session.token) };
  });
  return (
    <QueryClientProvider client={clients.queryClient}>
      <TRPCProvider trpcClient={clients.trpcClient} queryClient={clients.queryClient}>
        <AgentProvider agent={session.agent}>
          <FilesProvider value={clients.files}>
            <CallProvider>
              <Console onSignOut={() => onSignedOut(null)} />
            </CallProvider>
          </FilesProvider>
        </AgentProvider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
