import { useEffect, useRef } from 'react';

/** Typing in a field is text, not a command. */
function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/**
 * The console's keys (README, "Agents' console", lists them for agents): j / ↓ and k / ↑ move in
 * the inbox, / searches, r focuses the reply box, e or c closes the conversation, Escape leaves
 * it, and m mutes or unmutes the microphone during a call (the call bar's "Mute").
 *
 * A single-key shortcut on the document, ignored while the agent types in a field, holds a
 * modifier or has a modal dialog open. The latest handler runs, so callers need not memoise it.
 */
export function useShortcut(keys: string[], handler: (event: KeyboardEvent) => void, enabled = true) {
  const latest = useRef(handler);
  latest.current = handler;
  const joined = keys.join(' ');
  useEffect(() => {
    if (!enabled) return;
    const list = joined.split(' ');
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      // A modal dialog (an image, the saved replies: both open with showModal) owns the keys:
      // its Escape closes it, not the conversation behind it. Not `:modal`, which browsers
      // before 2022 reject with a SyntaxError.
      if (document.querySelector('dialog[open]')) return;
      if (!list.includes(event.key)) return;
      event.preventDefault();
      latest.current(event);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [joined, enabled]);
}
