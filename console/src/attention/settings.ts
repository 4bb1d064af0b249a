import { useState } from 'react';

const KEY = 'supportConsole.attention';

export interface AttentionSettings {
  sound: boolean;
  notify: boolean;
  setSound(on: boolean): void;
  /** Asks for permission first: only ever from a click, never on load. */
  setNotify(on: boolean): Promise<void>;
}

function saved(): { sound: boolean; notify: boolean } {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return { sound: value.sound === true, notify: value.notify === true };
  } catch {
    return { sound: false, notify: false };
  }
}

export function useAttentionSettings(): AttentionSettings {
  const [state, setState] = useState(saved);
  const save = (next: typeof state) => {
    setState(next);
    try {
      localStorage.setItem(KEY, JSON.stringify(next));
    } catch {
      // kept for this page only
    }
  };
  return {
    ...state,
    setSound: (sound) => save({ ...state, sound }),
    async setNotify(notify) {
      if (notify && typeof Notification !== 'undefined' && Notification.permission !== 'granted') {
        if ((await Notification.requestPermission()) !== 'granted') return;
      }
      save({ ...state, notify });
    },
  };
}
