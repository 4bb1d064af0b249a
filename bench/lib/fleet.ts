import { io, type Socket } from 'socket.io-client';

export interface Guest {
  idx: number;
  socket: Socket;
  guestId: string;
  conversationId: string;
  /** The last seq this guest saw in its conversation (servers that number messages). */
  lastSeq: number;
}

export interface Fleet {
  url: string;
  guests: Guest[];
  admins: Socket[];
  /** Sockets that disconnected while the fleet was up (0 is the only good answer). */
  disconnects: number;
  close(): void;
}

/** REST 2: a new guest with its own conversation. */
export async function createGuest(url: string): Promise<{ guestId: string; conversationId: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${url}/api/support/conversation/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const body = (await response.json()) as { success: boolean; message?: string; data: { guestId: string; conversation: { id: string } } };
      if (!body.success) throw new Error(`guest creation failed: ${body.message}`);
      return { guestId: body.data.guestId, conversationId: body.data.conversation.id };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

export function connectSocket(url: string, auth: Record<string, unknown>, timeoutMs = 30_000): Promise<Socket> {
  const socket = io(`${url}/support`, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: timeoutMs });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.disconnect();
      reject(new Error('connection:success did not arrive'));
    }, timeoutMs);
    socket.once('connection:success', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export async function join(socket: Socket, conversationId: string): Promise<void> {
  const reply = (await socket.timeout(30_000).emitWithAck('conversation:join', { conversationId })) as { success: boolean; message?: string };
  if (!reply.success) throw new Error(`join failed: ${reply.message}`);
}

/** Runs `task` for 0..n-1 with at most `concurrency` at a time. */
export async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** N guests, each joined to its own conversation, and K admin sockets. */
export async function connectFleet(url: string, options: { guests: number; adminTokens: string[]; concurrency?: number }): Promise<Fleet> {
  const fleet = newFleet(url);
  fleet.admins = await Promise.all(options.adminTokens.map((token) => connectSocket(url, { token })));
  for (const socket of fleet.admins) watch(fleet, socket);
  await addGuests(fleet, options.guests, options.concurrency);
  return fleet;
}

const closing = new WeakSet<Fleet>();

function watch(fleet: Fleet, socket: Socket) {
  socket.on('disconnect', () => {
    if (!closing.has(fleet)) fleet.disconnects++;
  });
}

export function newFleet(url: string): Fleet {
  const fleet: Fleet = {
    url,
    guests: [],
    admins: [],
    disconnects: 0,
    close() {
      closing.add(fleet);
      for (const g of fleet.guests) g.socket.disconnect();
      for (const a of fleet.admins) a.disconnect();
    },
  };
  return fleet;
}

/** Adds n guests: REST guest creation, socket connection, conversation:join. */
export async function addGuests(fleet: Fleet, n: number, concurrency = 32): Promise<void> {
  const base = fleet.guests.length;
  const added = await pool(n, concurrency, async (i) => {
    const { guestId, conversationId } = await createGuest(fleet.url);
    const socket = await connectSocket(fleet.url, { guestId });
    await join(socket, conversationId);
    watch(fleet, socket);
    return { idx: base + i, socket, guestId, conversationId, lastSeq: 0 };
  });
  fleet.guests.push(...added);
}
