import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT = join(ROOT, 'client');
const CORE_MODULES = ['clock', 'conversation', 'ids', 'index', 'message-store', 'outbox', 'read-receipts', 'transport', 'typing', 'wire'];

/**
 * What an internal app in another repository gets: the package as `npm pack` makes it,
 * installed beside only its peer dependencies.
 */
describe('the @support-chat/client package', { timeout: 180_000 }, () => {
  let scratch: string;
  let packed: string[];

  beforeAll(async () => {
    await run('npm', ['run', 'build'], { cwd: CLIENT });
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: CLIENT });
    packed = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    scratch = await mkdtemp(join(tmpdir(), 'support-chat-client-'));
  }, 180_000);
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('packs the core as JavaScript with declarations, and the server only as declarations', () => {
    for (const name of CORE_MODULES) expect(packed).toEqual(expect.arrayContaining([`dist/${name}.js`, `dist/${name}.d.ts`]));
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/server/router/index.d.ts', 'dist/server/router/messages.schema.d.ts']));
    expect(packed.filter((p) => p.startsWith('dist/server/') && !p.endsWith('.d.ts'))).toEqual([]);
    expect(packed.filter((p) => p.startsWith('src/') || p.startsWith('tsconfig'))).toEqual([]);
  });

  it('installs and type-checks in a consumer that has only the peer dependencies, and runs without any', async () => {
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: CLIENT });
    const tarball = join(scratch, stdout.trim().split('\n').at(-1)!);
    const installed = join(scratch, 'node_modules/@support-chat/client');
    await mkdir(installed, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    for (const peer of ['@trpc/server', '@trpc/client', 'zod']) {
      await mkdir(join(scratch, 'node_modules', peer, '..'), { recursive: true });
      await symlink(join(ROOT, 'node_modules', peer), join(scratch, 'node_modules', peer));
    }
    await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await writeFile(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['ES2022', 'DOM'] },
        files: ['consumer.ts'],
      }),
    );
    await writeFile(join(scratch, 'consumer.ts'), CONSUMER);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const checked = await run(process.execPath, [tsc, '-p', scratch]).catch((error: { stdout: string }) => error);
    expect(checked.stdout).toBe('');

    // The same consumer with mistakes in it must fail: the types are real, not `any` (which is
    // what a declaration whose import does not resolve quietly turns into).
    await writeFile(join(scratch, 'consumer.ts'), CONSUMER + MISTAKES.join('\n'));
    const refused = await run(process.execPath, [tsc, '-p', scratch]).catch((error: { stdout: string }) => error);
    expect(refused.stdout.match(/error TS2322/g)).toHaveLength(MISTAKES.length);

    // No runtime dependencies: the JavaScript loads and works with nothing else installed.
    await rm(join(scratch, 'node_modules/@trpc'), { recursive: true });
    await rm(join(scratch, 'node_modules/zod'));
    expect(await readdir(join(scratch, 'node_modules'))).toEqual(['@support-chat']);
    const script = `import { MessageStore } from '@support-chat/client';
      const store = new MessageStore('c');
      store.addNewest({ messages: [], pagination: { hasMore: false } });
      for (const seq of [2, 1]) store.add({ id: 'm' + seq, conversationId: 'c', seq, isRead: false });
      console.log(store.messages.map((m) => m.seq).join(), store.syncedSeq);`;
    const ran = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: scratch });
    expect(ran.stdout.trim()).toBe('1,2 2');
  });
});

/** A few lines of an internal agents' app: typed tRPC calls and the core. */
const CONSUMER = `
import { createTRPCClient, httpLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { ConversationSession, MessageStore, type AppRouter, type ConversationTransport, type Message } from '@support-chat/client';

export type Inputs = inferRouterInputs<AppRouter>;
export type Outputs = inferRouterOutputs<AppRouter>;

const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: 'http://localhost:3001/trpc' })] });
export async function reply(conversationId: string): Promise<Message> {
  return api.messages.send.mutate({ conversationId, message: 'On it', clientMessageId: 'x' });
}
export async function unassigned(): Promise<number> {
  const counts = await api.inbox.counts.query();
  return counts.active.unassigned;
}
// @ts-expect-error conversationId is a string
export const bad = () => api.messages.send.mutate({ conversationId: 1, message: 'x' });

declare const transport: ConversationTransport;
const session = new ConversationSession({ transport, ours: (m) => m.senderType === 'admin' });
const seqs: number[] = session.getState().messages.map((m) => m.seq);
const store = new MessageStore('c');
store.add({} as Message);
export { seqs };
`;

const MISTAKES = [
  `export const w1: string = ({} as Message).seq;`,
  `export const w2: string = ({} as Outputs['inbox']['counts']).active.unassigned;`,
  `export const w3: string = ({} as Outputs['inbox']['list']).conversations[0]!.unreadCount;`,
  `export const w4: boolean = ({} as Inputs['messages']['send']).conversationId;`,
];
