import { tabStorage } from '../api/storage.js';

const TOKEN_KEY = 'supportConsole.token';

/** What the console reads from its own token. The server verifies it; this only labels the UI. */
export interface Agent {
  id: string;
  name: string;
  email: string | null;
  expiresAt: number | null;
}

export const storedToken = () => tabStorage.get(TOKEN_KEY);
export const keepToken = (token: string) => tabStorage.set(TOKEN_KEY, token);
export const forgetToken = () => tabStorage.remove(TOKEN_KEY);

/**
 * A token handed over as `/agent#token=…`, taken out of the address at once so it is not left
 * in the history, a bookmark or a screenshot. (A fragment never reaches a server or a referrer.)
 */
export function takeTokenFromAddress(): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token === null) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return token.trim() || null;
}

function claimsOf(token: string): Record<string, unknown> | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);

export function agentOf(token: string): Agent | null {
  const claims = claimsOf(token);
  const id = text(claims?.sub);
  if (!claims || !id) return null;
  const name = [text(claims.firstName) ?? text(claims.given_name), text(claims.lastName) ?? text(claims.family_name)].filter(Boolean).join(' ');
  const email = text(claims.email);
  return { id, name: name || email || 'Agent', email, expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : null };
}
