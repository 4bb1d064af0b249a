import type { Page } from '../../client/src/wire.js';
import type { Conversation, Envelope, Me } from './types.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** REST calls under /api/support, always read through the spec's envelope. */
export class Api {
  constructor(private readonly base: string) {}

  private async call<T>(me: Me | null, path: string, init: RequestInit = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (me?.type === 'guest') headers['X-Guest-Id'] = me.id;
    else if (me) headers.Authorization = `Bearer ${me.token}`;
    if (init.body) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/support${path}`, { ...init, headers, credentials: 'omit' });
    } catch {
      throw new ApiError('Cannot reach the support server. Check your connection.', 0);
    }
    let body: Envelope<T> | undefined;
    try {
      body = (await response.json()) as Envelope<T>;
    } catch {
      body = undefined;
    }
    if (!body || typeof body !== 'object' || body.success !== true) {
      const message = body && typeof body.message === 'string' ? body.message : `Request failed (${response.status})`;
      throw new ApiError(message, response.status);
    }
    return body.data;
  }

  /** Get-or-create the guest's open conversation; the server may issue a fresh guest id. */
  startAsGuest(guestId: string | null, type: string): Promise<{ conversation: Conversation; guestId: string }> {
    const me: Me | null = guestId ? { type: 'guest', id: guestId } : null;
    return this.call(me, '/conversation/guest', { method: 'POST', body: JSON.stringify({ type }) });
  }

  startAsUser(me: Me, type: string): Promise<Conversation> {
    return this.call(me, `/conversation?type=${encodeURIComponent(type)}`);
  }

  /** Newest page when `before` is undefined, else the page just older than seq `before`. */
  history(me: Me, conversationId: string, limit: number, before?: number): Promise<Page> {
    const query = `limit=${limit}${before === undefined ? '' : `&before=${before}`}`;
    return this.call(me, `/conversation/${encodeURIComponent(conversationId)}/messages?${query}`);
  }

  /** Whether an agent is online now: the one bit of presence customers are told. */
  presence(): Promise<{ agentsOnline: boolean }> {
    return this.call(null, '/presence');
  }
}
