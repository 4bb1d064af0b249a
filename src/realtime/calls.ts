import { callerOf, type Listen, type Listeners } from './acks.js';

/**
 * Calls over the socket: the widget's side of a call, and any agent tool on sockets. Each
 * event is its procedure; the fan-out sends `call:updated` and `call:signal`.
 */
export function callListeners(listen: Listen): Listeners {
  return [
    listen('call:request', (socket, payload) => callerOf(socket).calls.request(payload as never)),
    listen('call:cancel', (socket, payload) => callerOf(socket).calls.cancel(payload as never)),
    listen('call:ring', (socket, payload) => callerOf(socket).calls.ring(payload as never)),
    listen('call:answer', (socket, payload) => callerOf(socket).calls.answer(payload as never)),
    listen('call:decline', (socket, payload) => callerOf(socket).calls.decline(payload as never)),
    listen('call:hangup', (socket, payload) => callerOf(socket).calls.hangUp(payload as never)),
    listen('call:join', (socket, payload) => callerOf(socket).calls.join(payload as never)),
    listen('call:alive', (socket, payload) => callerOf(socket).calls.alive(payload as never)),
    listen('call:signal', (socket, payload) => callerOf(socket).calls.signal(payload as never)),
    listen('call:active', (socket) => callerOf(socket).calls.active()),
  ];
}
