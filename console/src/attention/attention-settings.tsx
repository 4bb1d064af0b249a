import { EmailWhenAway } from './email-when-away.js';
import type { AttentionSettings as Settings } from './settings.js';

/**
 * The top bar's switches for customers' new messages: a chime, desktop notifications, and
 * email while the console is closed.
 */
export function AttentionSettings({ settings }: { settings: Settings }) {
  const canNotify = typeof Notification !== 'undefined';
  return (
    <div className="attention" role="group" aria-label="Alerts">
      <button type="button" aria-pressed={settings.sound} onClick={() => settings.setSound(!settings.sound)}>
        Sound {settings.sound ? 'on' : 'off'}
      </button>
      {canNotify && (
        <button type="button" aria-pressed={settings.notify} onClick={() => void settings.setNotify(!settings.notify)}>
          Notifications {settings.notify ? 'on' : 'off'}
        </button>
      )}
      <EmailWhenAway />
    </div>
  );
}
