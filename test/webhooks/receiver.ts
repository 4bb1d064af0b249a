import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  /** What the receiver answered. */
  status: number;
  /** Whether the signature checked out under the secret known at the time. */
  verified: boolean;
  event: { type: string; timestamp: string; data: any };
}

/**
 * A webhook endpoint on loopback, as a customer's system would run one: it checks every
 * signature with the standardwebhooks verifier and answers `answer(n)` for the n-th request
 * (from 0); 2xx accepts.
 */
export async function startReceiver(answer: (n: number) => number = () => 204) {
  const received: Received[] = [];
  let secret: string | undefined;
  let count = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      try {
        if (secret) new Webhook(secret).verify(body, req.headers as Record<string, string>);
        verified = !!secret;
      } catch {
        verified = false;
      }
      const status = answer(count++);
      received.push({ id: String(req.headers['webhook-id']), status, verified, event: JSON.parse(body) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    accepted: () => received.filter((r) => r.status < 300),
    useSecret(value: string) {
      secret = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `done()` holds, failing with `what` after the timeout. */
export async function waitFor(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
