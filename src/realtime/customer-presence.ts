import { ownerKey, recordLastSeen } from '../db/email-follow-ups.js';
import type { Db } from '../db/connect.js';
import type { Logger } from '../ops/logger.js';
import type { Principal } from '../router/context.js';
import { rooms } from './events.js';
import type { SupportNamespace } from './fanout.js';

const FLUSH_MS = 1_000;

/**
 * When customers leave, for the follow-up email's "away for the whole delay": each second's
 * disconnects in one statement (a replica stopping closes thousands at once). Whether one is
 * connected now is asked of every replica's sockets through the adapter.
 */
export function trackCustomerPresence(nsp: SupportNamespace, db: Db, log: Logger) {
  const left = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = async () => {
    timer = undefined;
    const owners = [...left];
    left.clear();
    await recordLastSeen(db, owners).catch((error: unknown) => log.warn({ err: error }, 'could not record when customers left'));
  };
  return {
    left(principal: Principal): void {
      if (principal.type === 'admin') return;
      left.add(ownerKey(principal.type === 'user' ? { userId: principal.id, guestId: null } : { userId: null, guestId: principal.id }));
      timer ??= setTimeout(() => void flush(), FLUSH_MS);
    },
    async isConnected(owner: { userId: string | null; guestId: string | null }): Promise<boolean> {
      const room = owner.userId ? rooms.user(owner.userId) : rooms.guest(owner.guestId!);
      return (await nsp.in(room).fetchSockets()).length > 0;
    },
    async close(): Promise<void> {
      clearTimeout(timer);
      await flush();
    },
  };
}
