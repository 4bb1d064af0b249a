import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { Webhook } from 'standardwebhooks';

export interface OutboundSettings {
  /** Private, loopback and link-local targets allowed (development and tests), and plain http. */
  allowPrivate: boolean;
  timeoutMs: number;
}

/** What a receiver answered, or why it could not. */
export interface WebhookAnswer {
  ok: boolean;
  status: number | null;
  /** The first KiB of the answer's body, for the admins' delivery log. */
  body: string | null;
  error: string | null;
}

const ANSWER_KEPT_BYTES = 1024;

/**
 * Why this URL may not receive webhooks, or undefined when it may. The address is checked
 * again at each connection (the agents below), since DNS may answer differently later.
 */
export async function webhookUrlProblem(raw: string, settings: Pick<OutboundSettings, 'allowPrivate'>): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url is not a valid URL';
  }
  if (url.protocol !== 'https:' && !(settings.allowPrivate && url.protocol === 'http:')) return 'url must use https';
  if (url.username || url.password) return 'url must not carry a user name or password';
  if (settings.allowPrivate) return undefined;
  let addresses: string[];
  try {
    addresses = (await lookup(url.hostname.replace(/^\[|\]$/g, ''), { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return `url's host ${url.hostname} does not resolve`;
  }
  if (addresses.some((address) => ipaddr.process(address).range() !== 'unicast')) {
    return `url's host ${url.hostname} is a private, loopback or link-local address`;
  }
  return undefined;
}

/**
 * One signed POST, Standard Webhooks style. No redirect is followed (node's client never
 * does, and a 3xx counts as a failure), the connection is refused to private addresses
 * whatever DNS says, and the whole exchange is bounded in time.
 */
export function createWebhookSender(settings: OutboundSettings) {
  const filter = { allowPrivateIPAddress: settings.allowPrivate, allowMetaIPAddress: settings.allowPrivate, keepAlive: true };
  const agents = { 'http:': new RequestFilteringHttpAgent(filter), 'https:': new RequestFilteringHttpsAgent(filter) };

  function post(target: string, body: string, headers: Record<string, string>): Promise<WebhookAnswer> {
    const url = new URL(target);
    const agent = agents[url.protocol as keyof typeof agents];
    if (!agent) return Promise.resolve({ ok: false, status: null, body: null, error: `unsupported protocol ${url.protocol}` });
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'support-chat-webhooks', ...headers },
          signal: AbortSignal.timeout(settings.timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          const answered = () => {
            const status = res.statusCode ?? null;
            const ok = status !== null && status >= 200 && status < 300;
            resolve({ ok, status, body: Buffer.concat(chunks).toString('utf8'), error: ok ? null : `answered ${status}` });
          };
          res.on('data', (chunk: Buffer) => {
            if (kept < ANSWER_KEPT_BYTES) chunks.push(chunk.subarray(0, ANSWER_KEPT_BYTES - kept));
            kept += chunk.length;
            // Enough to show the admins: the rest of a long answer is not waited for.
            if (kept >= ANSWER_KEPT_BYTES) {
              answered();
              res.destroy();
            }
          });
          res.on('end', answered);
          res.on('error', (error) => resolve({ ok: false, status: res.statusCode ?? null, body: null, error: error.message }));
          // Cut off mid-answer (the time ran out): a failure; after 'end' this changes nothing.
          res.on('close', () => resolve({ ok: false, status: res.statusCode ?? null, body: null, error: 'the answer was cut off' }));
        },
      );
      req.on('error', (error) => resolve({ ok: false, status: null, body: null, error: error.name === 'AbortError' ? `no answer within ${settings.timeoutMs} ms` : error.message }));
      req.end(body);
    });
  }

  return {
    /** Sends `payload` (JSON text) as message `id`, signed with the endpoint's `whsec_` secret. */
    send(endpoint: { url: string; secret: string }, id: string, payload: string): Promise<WebhookAnswer> {
      const timestamp = new Date();
      const signature = new Webhook(endpoint.secret).sign(id, timestamp, payload);
      return post(endpoint.url, payload, {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      });
    },
    close(): void {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
