import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { person } from '../support/server.js';
import { browserTestBed, watch } from '../widget/browser.js';

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Dialogs, uncaught errors, console errors and CSP violations: each must stay empty. */
  problems(): string[];
  /** Every tRPC procedure the page called, in order (`inbox.list`, `live.inbox`, …). */
  calls: string[];
}

/**
 * A fresh browser context on /agent (own sessionStorage), watched for everything that must
 * not happen: a CSP violation is recorded by a listener installed before the page's scripts.
 */
export async function openConsole(browser: Browser, url: string, options: { viewport?: { width: number; height: number }; hash?: string } = {}): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 720 } });
  const page = await context.newPage();
  await recordViolations(page);
  const watched = watch(page);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const calls: string[] = [];
  page.on('request', (request) => {
    const match = new URL(request.url()).pathname.match(/^\/trpc\/(.+)$/);
    if (match) calls.push(...match[1]!.split(','));
  });
  await page.goto(`${url}/agent${options.hash ?? ''}`);
  return {
    page,
    context,
    calls,
    problems: () => [...watched.dialogs, ...watched.errors, ...consoleErrors],
  };
}

/** Before the page's scripts: every CSP violation is kept, for `violations` to read. */
export async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const g = globalThis as any;
    g.__violations = [];
    g.document.addEventListener('securitypolicyviolation', (e: any) => g.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

export async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as any).__violations as string[]);
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Agent token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The inbox rows as the page shows them. */
export function inboxRows(page: Page) {
  return page.evaluate(() =>
    Array.from((globalThis as any).document.querySelectorAll('[role="listbox"][aria-label="Conversations"] [role="option"]') as ArrayLike<any>).map((el) => ({
      id: el.dataset.id as string,
      unread: Number(el.dataset.unread),
      customer: el.querySelector('.customer')?.textContent as string,
      preview: el.querySelector('.preview')?.textContent as string,
      assignee: el.querySelector('.assignee')?.textContent as string,
      selected: el.getAttribute('aria-selected') === 'true',
    })),
  );
}

/** Opens the conversation's inbox row: answers its reply box. */
export async function openRow(page: Page, conversationId: string): Promise<Locator> {
  await expect.poll(async () => (await inboxRows(page)).some((r) => r.id === conversationId), { timeout: 15_000, interval: 100 }).toBe(true);
  await page.locator(`.inbox-row[data-id="${conversationId}"]`).click();
  const box = page.getByRole('textbox', { name: 'Reply' });
  await expect.poll(() => box.count(), { timeout: 15_000, interval: 100 }).toBe(1);
  return box;
}

/** The natural width of each image the selector finds (0 while one has not loaded). */
export const naturalWidth = (page: Page, selector: string) => page.locator(selector).evaluateAll((imgs) => imgs.map((img) => (img as any).naturalWidth as number));

/**
 * A test file's server and browser, started once for the file; the browser contexts a test
 * opens (agents' consoles, guests' pages) are closed after it.
 */
export function consoleTestBed(env: Record<string, string> = {}, options: { media?: boolean } = {}) {
  const bed = browserTestBed(env, options);
  return {
    get server() {
      return bed.server;
    },
    context: (options?: BrowserContextOptions) => bed.context(options),
    /** An agent signed in to the console (opened on `hash`, if given), their inbox on screen. */
    async agent(claims: Record<string, unknown> = { firstName: 'Ada' }, options: { hash?: string } = {}): Promise<ConsolePage> {
      const agent = await openConsole(bed.browser, bed.server.url, options);
      bed.track(agent.context);
      await signIn(agent.page, (await person('admin', claims)).token);
      await expect.poll(() => agent.page.getByRole('listbox', { name: 'Conversations' }).count(), { timeout: 15_000, interval: 100 }).toBe(1);
      return agent;
    },
  };
}
