import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { TURN_SERVER } from './requirements.js';

/** Debian's coturn (`apt-get install coturn`), or TURNSERVER_PATH: what the run probes (provision.ts). */
export { TURN_SERVER };
export const TURN_REALM = 'support.test';

export interface TurnServer {
  /** The UDP listener, e.g. `turn:127.0.0.1:61234?transport=udp`. */
  url: string;
  /** The same listener over UDP and over TCP. */
  urls: string[];
  port: number;
  /** The `static-auth-secret` the server checks REST API credentials against. */
  secret: string;
  /** Everything coturn has logged so far. */
  output(): string;
  /** Stops coturn and waits for it to exit (idempotent). */
  close(): Promise<void>;
}

/**
 * Ports for one coturn: the listening port (UDP and TCP) and the relay range. They are taken
 * above the kernel's ephemeral range (32768-60999 on Linux), so no socket some other process opens
 * with port 0 lands on them between the check and coturn's bind, and at random, so that two
 * servers started at once almost never pick the same listening port: coturn's listeners use
 * SO_REUSEPORT, and a second coturn of the same user would share the port with the first instead
 * of failing. Relay ranges may overlap: coturn binds a relay port alone and skips a busy one.
 */
const HIGH = { from: 61_000, to: 65_535 };
const RELAY_PORTS = 16;

async function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: '127.0.0.1', exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

async function pickPorts(): Promise<{ port: number; minPort: number; maxPort: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomInt(HIGH.from, HIGH.to + 1);
    const minPort = randomInt(HIGH.from, HIGH.to - RELAY_PORTS + 1);
    const maxPort = minPort + RELAY_PORTS - 1;
    if (port >= minPort && port <= maxPort) continue;
    if (!(await tcpFree(port)) || !(await udpFree(port))) continue;
    // A few busy relay ports are fine (coturn skips them); most of the range must be free.
    let free = 0;
    for (let p = minPort; p <= maxPort; p++) if (await udpFree(p)) free++;
    if (free >= RELAY_PORTS / 2) return { port, minPort, maxPort };
  }
  throw new Error(`no free port for coturn between ${HIGH.from} and ${HIGH.to}`);
}

/** A STUN Binding request (RFC 5389): answered by any STUN server without credentials. */
async function stunAnswers(port: number, timeoutMs: number): Promise<boolean> {
  const transaction = randomBytes(12);
  const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), transaction]);
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', () => done(false));
    // 0x0101: Binding success response, for this transaction.
    socket.on('message', (reply) => {
      if (reply.length >= 20 && reply.readUInt16BE(0) === 0x0101 && reply.subarray(8, 20).equals(transaction)) done(true);
    });
    socket.send(request, port, '127.0.0.1');
  });
}

async function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The flags, each for a reason: see the comments. */
function flags(secret: string, port: number, minPort: number, maxPort: number, dir: string): string[] {
  return [
    '-n', // no config file: /etc/turnserver.conf (Debian's: syslog, ...) is not read
    '--listening-ip=127.0.0.1', // loopback only: nothing off this machine reaches it
    `--listening-port=${port}`, // UDP and TCP (STUN stays on: readiness is a Binding request)
    '--relay-ip=127.0.0.1', // relay endpoints on loopback too: everything stays on this machine
    `--min-port=${minPort}`, // a small relay range of our own, away from other coturns' and the kernel's
    `--max-port=${maxPort}`,
    '--use-auth-secret', // the TURN REST API scheme src/auth/turn-credentials.ts mints for
    `--static-auth-secret=${secret}`,
    `--realm=${TURN_REALM}`, // long-term credentials need a realm
    '--allow-loopback-peers', // coturn refuses 127.x peers otherwise: relay to relay on loopback needs it
    '--no-tls', // no certificate here: plain UDP and TCP only
    '--no-dtls',
    '--no-cli', // the telnet CLI would take port 5766, shared by every coturn on the machine
    `--pidfile=${join(dir, 'turnserver.pid')}`, // not /var/run/turnserver.pid
    // Its SQLite file here, not /var/lib/turn/turndb (root's, the package's). coturn looks up
    // secrets there besides the static one, and refuses every credential when that lookup fails.
    // Its first read, of the realms and peer lists at startup, creates the tables before any
    // request: so no --no-dynamic-realms or --no-dynamic-ip-list, with which two auth threads raced
    // to create them in the fresh file on the first requests and one answered 401 to a valid
    // credential.
    `--userdb=${join(dir, 'turndb')}`,
    '--log-file=stdout', // everything on stdout, which we keep; no file under /var/log or /tmp
    '--simple-log',
    '--verbose', // logs each allocation and why one was refused
  ];
}

/**
 * A coturn on 127.0.0.1 with a free port, checking TURN REST API credentials under `secret`
 * (random by default). Ready once it answers a STUN Binding request over UDP and accepts TCP.
 */
export async function startTurnServer(options: { secret?: string } = {}): Promise<TurnServer> {
  const secret = options.secret ?? randomBytes(24).toString('base64url');
  const failures: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const { port, minPort, maxPort } = await pickPorts();
    const dir = mkdtempSync(join(tmpdir(), 'coturn-'));
    const child = spawn(TURN_SERVER, flags(secret, port, minPort, maxPort, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const output = () => chunks.join('');
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    // A test worker that dies without close() must not leave coturn behind.
    const orphan = () => child.kill('SIGKILL');
    process.once('exit', orphan);
    const close = async () => {
      process.off('exit', orphan);
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    };

    const deadline = Date.now() + 15_000;
    let why: string | undefined;
    for (;;) {
      if (spawnError) {
        await close();
        throw new Error(`cannot start ${TURN_SERVER}: ${spawnError.message}`);
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        why = `coturn exited (${child.exitCode ?? child.signalCode})`;
        break;
      }
      // It retries a busy listening port forever: another port, then.
      if (/Cannot bind .*listener socket/.test(output())) {
        why = `port ${port} busy`;
        break;
      }
      // The user database (see flags()) must be open before the first credential is checked.
      const dbReady = !/SQLite supported/.test(output()) || /SQLite DB connection success|Cannot open SQLite DB/.test(output());
      if (dbReady && (await stunAnswers(port, 250)) && (await tcpAnswers(port))) {
        const urls = [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`];
        return { url: urls[0]!, urls, port, secret, output, close };
      }
      if (Date.now() > deadline) {
        why = 'no answer to STUN within 15 s';
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await close();
    failures.push(`attempt ${attempt} on port ${port}: ${why}\n${output().trim()}`);
    if (!why.startsWith('port')) break;
  }
  throw new Error(`coturn (${TURN_SERVER}) did not start:\n${failures.join('\n\n')}`);
}
