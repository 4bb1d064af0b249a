import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP forwarder in front of PostgreSQL, so a test can take "the database" away from one
 * server without touching the shared cluster: `stop()` cuts every connection and refuses
 * new ones (what a crashed or restarting database looks like), `start()` serves again on
 * the same port. `freeze()` keeps every connection open but carries nothing either way (a
 * network partition), until `thaw()` delivers what waited.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly links = new Set<readonly [Socket, Socket]>();
  private frozen = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        const link = [a, b] as const;
        this.sockets.add(a);
        this.links.add(link);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          this.links.delete(link);
          b.destroy();
        });
        if (this.frozen) a.pause();
        else a.pipe(b);
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Refuses new connections and resets the open ones. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stops carrying bytes, both ways, on every connection and on new ones; nothing is closed. */
  freeze(): void {
    this.frozen = true;
    for (const [a, b] of this.links) {
      a.unpipe(b);
      a.pause();
    }
  }

  thaw(): void {
    this.frozen = false;
    for (const [a, b] of this.links) a.pipe(b);
  }

  /** A connection URL like `base` that goes through this proxy. */
  urlFor(base: string): string {
    const url = new URL(base);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }
}
