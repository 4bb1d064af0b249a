import type { Socket as TcpSocket } from 'node:net';
import type { Server } from 'socket.io';

/**
 * Packets that Engine.IO flushes together leave in one write to the kernel instead of one
 * each. While a connection's previous write is in flight, Engine.IO queues what is emitted
 * to it (a group-committed batch completes many messages in one turn of the event loop: an
 * agent's socket then gets a `conversation:new_message` for each) and sends the queue in
 * one go; corking the TCP socket for that go turns N system calls into one. Frames, their
 * order and acknowledgements are unchanged.
 *
 * Listens once, on the Engine.IO server's `flush` and `drain` events (emitted synchronously
 * around each send), so idle connections cost nothing more. Long-polling has nothing to
 * coalesce; the TCP socket is that of the `ws` connection.
 */
export function coalesceWrites(io: Server): void {
  io.engine.on('flush', (conn: { transport: unknown }) => tcpSocketOf(conn.transport)?.cork());
  io.engine.on('drain', (conn: { transport: unknown }) => tcpSocketOf(conn.transport)?.uncork());
}

function tcpSocketOf(transport: unknown): TcpSocket | undefined {
  const t = transport as { name?: string; socket?: { _socket?: Partial<TcpSocket> } } | undefined;
  const tcp = t?.name === 'websocket' ? t.socket?._socket : undefined;
  return typeof tcp?.cork === 'function' && typeof tcp.uncork === 'function' ? (tcp as TcpSocket) : undefined;
}
