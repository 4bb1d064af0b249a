import type { IncomingMessage } from 'node:http';

/**
 * The client's address. X-Forwarded-For is believed only for the configured number of
 * proxy hops, counted from our side: rotating the header without a trusted proxy changes
 * nothing.
 */
export function clientAddressOf(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxyHops: number): string {
  const remote = req.socket.remoteAddress ?? 'unknown';
  if (trustProxyHops === 0) return remote;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const chain = [...forwarded, remote];
  return chain[Math.max(0, chain.length - 1 - trustProxyHops)]!;
}
