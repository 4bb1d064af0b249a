import type { Attachment, Call, Page, PendingUpload } from '../../client/src/wire.js';
import type { Conversation, Envelope, Me } from './types.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Who asks, as the server reads it: X-Guest-Id for a guest, the token for a signed-in user. */
export function credentials(me: Me | null): Record<string, string> {
  if (me?.type === 'guest') return { 'X-Guest-Id': me.id };
  return me ? { Authorization: `Bearer ${me.token}` } : {};
}

const attachmentPath = (id: string) => `/attachments/${encodeURIComponent(id)}`;

/** REST calls under /api/support, always read through the spec's envelope. */
export class Api {
  constructor(private readonly base: string) {}

  private async call<T>(me: Me | null, path: string, init: RequestInit = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...credentials(me) };
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

  /** Announces a file: where to upload it, or at once 413 (too large) / 415 (a kind never allowed). */
  createUpload(me: Me, input: { conversationId: string; name: string; size: number; contentType: string }): Promise<PendingUpload> {
    return this.call(me, '/attachments', { method: 'POST', body: JSON.stringify(input) });
  }

  /** Has the server check the uploaded bytes (415 when they are not what the name says). */
  completeUpload(me: Me, attachmentId: string): Promise<Attachment> {
    return this.call(me, `${attachmentPath(attachmentId)}/complete`, { method: 'POST' });
  }

  /** The attachment with fresh links. */
  attachment(me: Me, attachmentId: string): Promise<Attachment> {
    return this.call(me, attachmentPath(attachmentId));
  }

  /** Takes back an upload not sent. */
  async cancelUpload(me: Me, attachmentId: string): Promise<void> {
    await this.call(me, attachmentPath(attachmentId), { method: 'DELETE' });
  }

  /** Where a guest gets agents' replies while away: checked by shape on the server. */
  async saveEmail(me: Me, email: string): Promise<void> {
    await this.call(me, '/guest/email', { method: 'POST', body: JSON.stringify({ email }) });
  }

  /** The visitor's live calls (requested, scheduled, ringing, in progress), newest first. */
  async activeCalls(me: Me): Promise<Call[]> {
    return (await this.call<{ calls: Call[] }>(me, '/calls/active')).calls;
  }

  /** A conversation's calls, newest first: how one ended while this window was not connected. */
  async conversationCalls(me: Me, conversationId: string): Promise<Call[]> {
    return (await this.call<{ calls: Call[] }>(me, `/conversation/${encodeURIComponent(conversationId)}/calls`)).calls;
  }

  /** Whether an agent is online now: the one bit of presence customers are told. */
  presence(): Promise<{ agentsOnline: boolean }> {
    return this.call(null, '/presence');
  }
}
