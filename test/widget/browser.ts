import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { CHROMIUM } from '../support/requirements.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';

/** With `media`, a fake camera and microphone (a tone and a test pattern) that need no permission prompt. */
export function launchBrowser(options: { media?: boolean } = {}): Promise<Browser> {
  const media = options.media ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'] : [];
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...media],
  });
}

/**
 * One server (with `env`) and one Chromium for a test file, started once; the browser contexts a
 * test opens are closed after it. Call it at the file's top level: it registers the hooks.
 */
export function browserTestBed(env: Record<string, string> = {}, options: { media?: boolean } = {}) {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(env), launchBrowser(options)]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server() {
      return server;
    },
    get browser() {
      return browser;
    },
    /** A context closed after the test. */
    track(context: BrowserContext): BrowserContext {
      contexts.push(context);
      return context;
    },
    async context(options?: BrowserContextOptions): Promise<BrowserContext> {
      const context = await browser.newContext(options);
      contexts.push(context);
      return context;
    },
  };
}

export interface WidgetHarness {
  /** Set once the file's tests start. */
  readonly server: TestServer;
  readonly browser: Browser;
  /** An admin (an agent) and its token. */
  readonly admin: { id: string; token: string };
  /** A fresh visitor at `url` (default: the demo page): own cookies and localStorage, closed after the test. */
  visitor(url?: string): Promise<{ page: Page; watched: ReturnType<typeof watch> }>;
}

/**
 * What a test file of browser tests shares: one server (with `env`), one Chromium, an admin, and
 * fresh visitors. Call it at the file's top level: it registers the hooks that start and stop them.
 */
export function widgetHarness(env: Record<string, string> = {}): WidgetHarness {
  const bed = browserTestBed(env);
  let admin: { id: string; token: string };
  beforeAll(async () => {
    admin = await person('admin', { firstName: 'Ada' });
  });
  return {
    get server() {
      return bed.server;
    },
    get browser() {
      return bed.browser;
    },
    get admin() {
      return admin;
    },
    async visitor(url = `${bed.server.url}/`) {
      const context = await bed.context({ viewport: { width: 1000, height: 720 } });
      const page = await context.newPage();
      const watched = watch(page);
      await page.goto(url);
      return { page, watched };
    },
  };
}

/** Collects what must never happen on a page: dialogs, uncaught errors. */
export function watch(page: Page) {
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { dialogs, errors };
}

export interface RowView {
  kind: string;
  key: string;
  seq: string;
  status: string | null;
  text: string;
}

/**
 * The message list as the page shows it, read out of the open shadow root. Runs in the page,
 * so it reaches the DOM through globalThis (the test project has no DOM types).
 */
export function rows(page: Page): Promise<RowView[]> {
  return page.evaluate(() => {
    const root = (globalThis as any).document.querySelector('support-chat-widget')?.shadowRoot;
    if (!root) return [];
    return Array.from(root.querySelectorAll('.list > *') as ArrayLike<any>).map((el) => ({
      kind: el.dataset.kind,
      key: el.dataset.key,
      seq: el.dataset.seq,
      status: el.dataset.status ?? null,
      text: el.querySelector('.txt')?.textContent ?? '',
    }));
  });
}

export const texts = async (page: Page, kind?: string) =>
  (await rows(page)).filter((r) => kind === undefined || r.kind === kind).map((r) => r.text);

/** The focused element inside the widget (`null` when focus is elsewhere). */
export function focused(page: Page): Promise<{ tag: string; cls: string; label: string | null } | null> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    if (doc.activeElement?.tagName !== 'SUPPORT-CHAT-WIDGET') return null;
    const el = doc.activeElement.shadowRoot.activeElement;
    return el ? { tag: el.tagName, cls: el.className, label: el.getAttribute('aria-label') } : null;
  });
}

/** Opens the panel and waits until the page keeps its guest id (the guest exists on the server). */
export async function openChat(page: Page) {
  await page.getByRole('button', { name: /Open support chat/ }).click();
  await expect
    .poll(() => page.evaluate(() => Object.keys((globalThis as any).localStorage).some((k) => k.startsWith('supportWidget.guestId@'))), { timeout: 20_000, interval: 100 })
    .toBe(true);
}

/**
 * A file arriving as the browser hands it over: pasted into the message box (a screenshot on
 * the clipboard, Ctrl+V) or dragged from the desktop and dropped onto the panel.
 */
export function handOver(page: Page, how: 'paste' | 'drop', file: { name: string; type: string; bytes: Buffer }) {
  return page.evaluate(
    ({ how, name, type, base64 }) => {
      const g = globalThis as any;
      const data = new g.DataTransfer();
      data.items.add(new g.File([Uint8Array.from(g.atob(base64), (c: string) => c.charCodeAt(0))], name, { type }));
      const root = g.document.querySelector('support-chat-widget').shadowRoot;
      if (how === 'paste') {
        root.querySelector('textarea').dispatchEvent(new g.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
        return;
      }
      const panel = root.querySelector('[role=dialog]');
      for (const type of ['dragenter', 'dragover', 'drop']) panel.dispatchEvent(new g.DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { how, name: file.name, type: file.type, base64: file.bytes.toString('base64') },
  );
}

/** Picks files with the attach button, as a user does in the file chooser. */
export async function attach(page: Page, ...files: { name: string; mimeType: string; buffer: Buffer }[]) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Attach files' }).click()]);
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles(files);
}

/**
 * The guest id the page keeps, and the conversation the server answers for it. A message shows
 * (pending) before the widget's first REST call has answered with the id: wait for it.
 */
export async function guestConversation(server: TestServer, page: Page) {
  const kept = () =>
    page.evaluate(() => {
      const store = (globalThis as any).localStorage;
      for (let i = 0; i < store.length; i++) {
        const key = store.key(i);
        if (key.startsWith('supportWidget.guestId@')) return store.getItem(key) as string;
      }
      return null;
    });
  let guestId = await kept();
  for (const deadline = Date.now() + 10_000; !guestId && Date.now() < deadline; guestId = await kept()) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!guestId) throw new Error('the page keeps no guest id');
  const reply = await request(server, '/api/support/conversation/guest', { guestId, body: {} });
  return { guestId, conversationId: reply.body.data.conversation.id as string };
}

/** An agent's socket that follows one conversation. */
export async function agentIn(server: TestServer, token: string, conversationId: string) {
  const { socket } = await server.connect({ token });
  const joined = await socket.emitWithAck('conversation:join', { conversationId });
  if (!joined.success) throw new Error(joined.message);
  return {
    socket,
    async say(message: string) {
      const reply = await socket.emitWithAck('message:send', { conversationId, message, clientMessageId: randomUUID() });
      if (!reply.success) throw new Error(reply.message);
      return reply.data as { id: string; seq: number; message: string };
    },
  };
}

/** Collects every payload of one event on a socket. */
export function collect<T = any>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/**
 * A TCP proxy in front of the server: the page talks to the server through it, and `cut()`
 * really drops every connection (HTTP and WebSocket alike) and refuses new ones until `restore()`.
 */
export class CuttableProxy {
  private readonly server: TcpServer;
  private readonly open = new Set<TcpSocket>();
  private accepting = true;
  port = 0;

  constructor(private readonly targetPort: number) {
    this.server = createTcpServer((client) => {
      if (!this.accepting) {
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.open.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.open.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  cut(): void {
    this.accepting = false;
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  restore(): void {
    this.accepting = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A "customer site" on another origin that embeds the widget with a script tag. */
export async function customerSite(html: string): Promise<{ url: string; server: HttpServer; close(): Promise<void> }> {
  const server = createHttpServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * WCAG 2.x contrast of every visible piece of text against the background it is drawn on (the
 * nearest opaque background up the tree, through a shadow root's host; white when none).
 * Answers the pairs that fail AA: under 4.5:1, or under 3:1 for large text. By default it reads
 * the widget's shadow root; `{ host: null }` reads the whole page (the console). Text inside
 * `skip` (screen-reader-only labels, native form controls) is left out.
 */
export function contrastFailures(page: Page, { host = 'support-chat-widget' as string | null, skip = '.sr' } = {}): Promise<string[]> {
  return page.evaluate(({ host, skip }) => {
    const g = globalThis as any;
    const root = host === null ? g.document.body : g.document.querySelector(host)?.shadowRoot;
    if (!root) return [`no ${host}`];
    const parse = (c: string) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r = 0, gr = 0, b = 0, a = 1] = m[1]!.split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g: gr, b, a };
    };
    const lum = ({ r, g: gg, b }: { r: number; g: number; b: number }) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(r) + 0.7152 * ch(gg) + 0.0722 * ch(b);
    };
    const background = (el: any) => {
      for (let e = el; e; e = e.parentElement ?? e.getRootNode()?.host) {
        const c = parse(g.getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const failures: string[] = [];
    for (const el of Array.from(root.querySelectorAll('*') as ArrayLike<any>)) {
      const ownText = Array.from(el.childNodes as ArrayLike<any>).some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!ownText || !el.getClientRects().length || el.closest(skip)) continue;
      const style = g.getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      const fg = parse(style.color)!;
      const bg = background(el);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) {
        failures.push(`${el.className || el.tagName} "${el.textContent.slice(0, 20)}": ${ratio.toFixed(2)} (${style.color} on rgb(${bg.r}, ${bg.g}, ${bg.b}))`);
      }
    }
    return failures;
  }, { host, skip });
}
