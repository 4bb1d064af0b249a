import type { AttentionSettings as Settings } from './settings.js';

/** Two switches in the top bar: a chime and desktop notifications for customers' new messages. */
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
    </div>
  );
}
