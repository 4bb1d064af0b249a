import { createApiClient, statusOf } from '../api/client.js';
import { agentOf, type Agent } from './token.js';

export type TokenCheck = { ok: true; agent: Agent } | { ok: false; message: string };

export const NOT_AN_AGENT = 'This is not an agent token';

/**
 * Asks the server, with the smallest admin-only call, whether the token is an agent's: the
 * server is the judge, and nothing of the inbox is fetched before it has said yes.
 */
export async function checkToken(token: string): Promise<TokenCheck> {
  const agent = agentOf(token);
  if (!agent) return { ok: false, message: 'This is not a token: paste the whole JWT' };
  try {
    await createApiClient(token).inbox.counts.query();
    return { ok: true, agent };
  } catch (error) {
    const status = statusOf(error);
    if (status === 403) return { ok: false, message: NOT_AN_AGENT };
    if (status === 401) {
      const expired = agent.expiresAt !== null && agent.expiresAt < Date.now();
      return { ok: false, message: expired ? 'This token has expired: sign in again' : 'This token is not valid for this server' };
    }
    return { ok: false, message: 'The server did not answer; try again in a moment' };
  }
}
