/**
 * The embeddable support widget. Sites add one tag:
 *   <script src="https://support.example.com/widget.js" async></script>
 * optional data- attributes: data-api-url, data-token, data-type, data-title, data-open="true",
 * data-max-file-bytes (the server's ATTACHMENT_MAX_BYTES, if changed), data-email-prompt-after
 * (seconds a guest waits for an answer before replies by email are offered; 60), data-auto-boot="false"
 * (wait for SupportWidget.boot). Signed-in users:
 *   SupportWidget.boot({ token, apiUrl })
 */
import { Chat } from './chat.js';
import type { WidgetOptions } from './types.js';

const VERSION = '1.0.0';

interface SupportWidgetApi {
  version: string;
  boot(options?: WidgetOptions): void;
  shutdown(): void;
  open(): void;
  close(): void;
  toggle(): void;
}

declare global {
  interface Window {
    SupportWidget?: SupportWidgetApi;
  }
}

// Read while the script runs: afterwards document.currentScript is gone.
const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;

function scriptOptions(): WidgetOptions & { autoBoot: boolean } {
  const d = script?.dataset ?? {};
  const options: WidgetOptions & { autoBoot: boolean } = { autoBoot: d.autoBoot !== 'false', open: d.open === 'true' };
  if (d.apiUrl) options.apiUrl = d.apiUrl;
  if (d.token) options.token = d.token;
  if (d.type) options.type = d.type;
  if (d.title) options.title = d.title;
  if (Number(d.maxFileBytes) > 0) options.maxFileBytes = Number(d.maxFileBytes);
  if (d.emailPromptAfter !== undefined && Number(d.emailPromptAfter) >= 0) options.emailPromptAfterMs = Number(d.emailPromptAfter) * 1000;
  // The link in a follow-up email: open the chat on arrival.
  if (new URLSearchParams(location.search).has('support_conversation')) options.open = true;
  return options;
}

/** The support server: data-api-url / apiUrl, else the origin this script was loaded from. */
function resolveApiUrl(explicit: string | undefined): string {
  try {
    const url = new URL(explicit ?? script?.src ?? location.href, location.href);
    const path = explicit ? url.pathname.replace(/\/+$/, '') : '';
    return url.origin + path;
  } catch {
    return location.origin;
  }
}

function whenReady(run: () => void): void {
  if (document.body) run();
  else document.addEventListener('DOMContentLoaded', run, { once: true });
}

let chat: Chat | null = null;
let booted = false;

const api: SupportWidgetApi = {
  version: VERSION,
  boot(options = {}) {
    booted = true;
    whenReady(() => {
      chat?.destroy();
      const fromScript = scriptOptions();
      chat = new Chat({
        apiUrl: resolveApiUrl(options.apiUrl ?? fromScript.apiUrl),
        token: options.token ?? fromScript.token,
        type: options.type ?? fromScript.type ?? 'general',
        title: options.title ?? fromScript.title ?? 'Support',
        open: options.open ?? fromScript.open ?? false,
        maxFileBytes: options.maxFileBytes ?? fromScript.maxFileBytes,
        emailPromptAfterMs: options.emailPromptAfterMs ?? fromScript.emailPromptAfterMs,
      });
      chat.mount();
    });
  },
  shutdown() {
    chat?.destroy();
    chat = null;
  },
  open: () => chat?.open(),
  close: () => chat?.close(),
  toggle: () => chat?.toggle(),
};

// Loaded twice on one page: the first copy stays in charge.
if (!window.SupportWidget?.version) {
  window.SupportWidget = api;
  if (scriptOptions().autoBoot) {
    // A boot({token}) right after the tag wins over the automatic guest boot.
    setTimeout(() => whenReady(() => booted || api.boot()), 0);
  }
}
