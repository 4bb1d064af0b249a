/** Baseline (a): a bare Socket.IO relay. Nothing is stored: the framework's ceiling. */
import { randomUUID } from 'node:crypto';
import { serveBaseline } from './common.js';

await serveBaseline({
  createConversation: async () => randomUUID(),
  mayJoin: async () => true,
  store: async (m) => ({ ...m, id: randomUUID(), isRead: false, createdAt: new Date().toISOString() }),
});
