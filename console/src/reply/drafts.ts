import { useEffect, useState } from 'react';
import { tabStorage } from '../api/storage.js';

const keyOf = (conversationId: string) => `supportConsole.draft.${conversationId}`;

/**
 * The reply being written, kept per conversation in this tab's sessionStorage: switching
 * conversations, a reload or signing in again after an expired token gives it back.
 */
export function useDraft(conversationId: string): [string, (text: string) => void] {
  const [text, setText] = useState(() => tabStorage.get(keyOf(conversationId)) ?? '');
  useEffect(() => {
    if (text) tabStorage.set(keyOf(conversationId), text);
    else tabStorage.remove(keyOf(conversationId));
  }, [conversationId, text]);
  return [text, setText];
}
