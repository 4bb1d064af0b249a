import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Socket } from 'socket.io-client';
import { connectTo, GENEROUS_LIMITS, TEST_JWT_SECRET } from './server.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: string[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  connect(auth?: Record<string, unknown>): Promise<{ socket: Socket; identity: Record<string, string> }>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The real server (src/main.ts) as a child process, ready when /readyz answers 200. */
export async function startServerProcess(env: Record<string, string>, port?: number): Promise<ServerProcess> {
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      ...GENEROUS_LIMITS,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(listenPort),
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${listenPort}`;
  const sockets: Socket[] = [];

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output.join('')}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`server did not become ready:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    port: listenPort,
    child,
    output,
    exited,
    connect: (auth = {}) => connectTo(url, auth, sockets),
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      for (const s of sockets) s.disconnect();
      return code;
    },
  };
}
