import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What Prometheus scrapes at /metrics. One registry per app, so tests and replicas do not mix. */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export function createMetrics(pool?: PoolStats) {
  const registry = new Registry();
  // Includes nodejs_eventloop_lag_seconds and the process's memory and CPU.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    connectedSockets: new Gauge({
      name: 'support_connected_sockets',
      help: 'Sockets connected to this replica, by caller type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    messagesStored: new Counter({
      name: 'support_messages_stored_total',
      help: 'Messages committed to the database by this replica, by sender type',
      labelNames: ['sender_type'] as const,
      registers: [registry],
    }),
    socketEventSeconds: new Histogram({
      name: 'support_socket_event_seconds',
      help: 'Socket event handling time, from receipt to acknowledgement (message:send is the send latency)',
      labelNames: ['event', 'outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    httpSeconds: new Histogram({
      name: 'support_http_request_seconds',
      help: 'REST and tRPC request latency by route',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'support_rate_limited_total',
      help: 'Calls refused by a rate limit, by limit name',
      labelNames: ['limit'] as const,
      registers: [registry],
    }),
    dbPool: new Gauge({
      name: 'support_db_pool_connections',
      help: 'PostgreSQL pool connections by state (total, idle, waiting clients)',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        if (!pool) return;
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
