import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V']).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  url: string;
  stop(): Promise<void>;
  /** The last lines the process wrote, for when it fails. */
  output(): string;
}

/**
 * Starts a server process (pinned to `cpu` with taskset when given) and waits for its
 * /healthz. `taskset` execs the program, so the pid is the server's own.
 */
export async function startServer(
  name: string,
  args: string[],
  options: { env: Record<string, string>; cpu?: number; port: number; cwd: string },
): Promise<Child> {
  const command = options.cpu === undefined ? process.execPath : 'taskset';
  const argv = options.cpu === undefined ? args : ['-c', String(options.cpu), process.execPath, ...args];
  const child = spawn(command, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${name} exited during start:\n${tail}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not become healthy:\n${tail}`);
    await sleep(100);
  }
  return {
    name,
    process: child,
    pid: child.pid!,
    url,
    output: () => tail,
    async stop() {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** CPU seconds (user + system) a process has used, all its threads included. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

let benchDatabase: string | undefined;
/** Attribute to "postgres" only backends of this database (and PostgreSQL's own background processes). */
export function setBenchDatabase(name: string): void {
  benchDatabase = name;
}

/**
 * CPU seconds used by PostgreSQL for us (read-only look at /proc): the backends serving the
 * benchmark's database and the server's own background processes (WAL writer,
 * checkpointer…). Backends of other databases are someone else's: they count as "other".
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      if (benchDatabase) {
        const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        const clientBackend = /\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]/.test(title) || title.includes('autovacuum worker');
        if (clientBackend && !title.includes(benchDatabase)) continue;
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** Resident set size in bytes. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** CPU seconds the whole machine has been busy (all CPUs: everything but idle and iowait). */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
}

export interface CpuShare {
  /** This generator process. */
  generator: number;
  server: number;
  /** Every postgres process, whoever it works for. */
  postgres: number;
  /** Everything else on the machine: anything much above 0 makes the numbers noisy. */
  other: number;
}

/** Measures the CPU of this process, a server, PostgreSQL and the rest over an interval, as % of one core. */
export function cpuMeter(serverPid?: number): () => CpuShare {
  const wall0 = performance.now();
  const self0 = process.cpuUsage();
  const server0 = serverPid ? cpuSecondsOf(serverPid) : 0;
  const pg0 = postgresCpuSeconds();
  const machine0 = machineBusySeconds();
  return () => {
    const wall = (performance.now() - wall0) / 1000;
    const self = process.cpuUsage(self0);
    const generator = ((self.user + self.system) / 1e6 / wall) * 100;
    const server = serverPid ? ((cpuSecondsOf(serverPid) - server0) / wall) * 100 : 0;
    const postgres = ((postgresCpuSeconds() - pg0) / wall) * 100;
    const machine = ((machineBusySeconds() - machine0) / wall) * 100;
    return { generator, server, postgres, other: Math.max(0, machine - generator - server - postgres) };
  };
}
