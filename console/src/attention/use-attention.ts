import { useEffect, useRef } from 'react';
import { customerLabel } from '../ui/customer.js';
import type { CustomerMessage } from '../inbox/live-inbox.js';
import { useAttentionSettings } from './settings.js';
import { playChime } from './chime.js';
import { useUnreadForMe } from './use-unread-for-me.js';

const BASE_TITLE = 'Support console';

/**
 * What draws the agent back: the tab title counts the unread conversations that are theirs or
 * nobody's; a customer's new message there may chime and raise a desktop notification (both
 * opt-in). Agents' messages and notes never do. Text reaches the title and the notification as
 * plain strings, which neither parses as markup.
 */
export function useAttention(openId: string | null) {
  const settings = useAttentionSettings();
  const unread = useUnreadForMe();
  const latest = useRef({ settings, unread, openId });
  latest.current = { settings, unread, openId };

  useEffect(() => {
    document.title = unread.count > 0 ? `(${unread.count}) ${BASE_TITLE}` : BASE_TITLE;
  }, [unread.count]);

  function onCustomerMessage({ message, forMe }: CustomerMessage) {
    const { settings, unread, openId } = latest.current;
    if (!forMe) return;
    const seenHere = message.conversationId === openId && document.visibilityState === 'visible';
    if (seenHere) return;
    if (settings.sound) playChime();
    if (settings.notify && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      const row = unread.rowOf(message.conversationId);
      const who = row ? customerLabel(row.customer) : 'a customer';
      new Notification(`New message from ${who}`, { body: message.message.slice(0, 200), tag: message.conversationId });
    }
  }
  return { settings, onCustomerMessage };
}
