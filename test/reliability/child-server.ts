import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/process.js';
import { createScratchDatabase } from '../support/server.js';

/**
 * The real server (`src/main.ts`) as a child process on a fixed port and a database of its
 * own that outlives it: a scratch PostgreSQL database when DATABASE_URL is set, else a
 * PGlite folder on disk. `start()` may be called again after the process is gone: the
 * same port, the same data, the same secrets.
 */
export class ChildServer {
  private process: ServerProcess | undefined;
  readonly url: string;
  /** How each incarnation ended (exit codes; null when killed by a signal), in order. */
  readonly exits: (number | null)[] = [];

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
    readonly database: { kind: 'postgres'; url: string; drop: () => Promise<void> } | { kind: 'pglite'; dir: string },
    private readonly dataDir: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async create(extraEnv: Record<string, string> = {}): Promise<ChildServer> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'support-reliability-'));
    const database = process.env.DATABASE_URL
      ? { kind: 'postgres' as const, ...(await createScratchDatabase(process.env.DATABASE_URL)) }
      : { kind: 'pglite' as const, dir: path.join(dataDir, 'pglite') };
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...(database.kind === 'postgres' ? { DATABASE_URL: database.url } : { DATABASE_URL: '', PGLITE_DIR: database.dir }),
      ...extraEnv,
    };
    return new ChildServer(await freePort(), env, database, dataDir);
  }

  /** Spawns `node --import tsx src/main.ts` on this server's port and data; resolves once /readyz answers 200. */
  async start(): Promise<void> {
    this.process = await startServerProcess(this.env, this.port);
  }

  /** Sends a signal and waits for the process to end: its exit code, null when the signal killed it. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const running = this.process;
    if (!running) throw new Error('not running');
    this.process = undefined;
    const code = await running.kill(signal);
    this.exits.push(code);
    return code;
  }

  /** The server's database, opened by the test once the process is gone (PGlite allows one opener). */
  open(): Db {
    return connectDatabase(this.database.kind === 'postgres' ? { kind: 'postgres', url: this.database.url } : this.database);
  }

  async destroy(): Promise<void> {
    if (this.process) await this.stop('SIGKILL').catch(() => {});
    if (this.database.kind === 'postgres') await this.database.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
