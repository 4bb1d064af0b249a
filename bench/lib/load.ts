import { randomUUID } from 'node:crypto';
import type { Fleet } from './fleet.js';
import { cpuMeter, type CpuShare } from './proc.js';
import { summarize } from './stats.js';

export interface StepOptions {
  /** Total messages per second over all guests. */
  rate: number;
  warmupS: number;
  measureS: number;
  /** A number unique to this step: it tags every message, so late ones are told apart. */
  step: number;
  messageBytes: number;
  /** Give up waiting for stragglers after this long without progress. */
  stallS: number;
}

export interface StepResult {
  rate: number;
  /** Messages scheduled in the whole step (warm-up included); all of them are checked. */
  sent: number;
  measured: number;
  failed: number;
  lost: number;
  duplicated: number;
  misrouted: number;
  seqErrors: number;
  /** Scheduled send → the sender's own message:received, measured window only (ms). */
  latency: ReturnType<typeof summarize>;
  /** Scheduled send → each admin's conversation:new_message (ms). */
  adminLatency: ReturnType<typeof summarize>;
  /** How late the generator itself sent (ms): large values mean the generator is the bottleneck. */
  sendLag: ReturnType<typeof summarize>;
  /** Messages delivered to their sender per second of the measured window. */
  achieved: number;
  cpu: CpuShare;
  failures: string[];
  /** When the step was run several times (near the bound): each run's p99; the rest is the median run's. */
  runsP99?: number[];
}

/**
 * One open-loop step: the k-th message is due at t0 + k/rate, from guest k mod N, whatever
 * happened to earlier ones, and its latency counts from when it was due (so a stalled
 * server or generator cannot hide its queue: no coordinated omission).
 *
 * Every message is accounted for: acknowledged with success and received by its sender and
 * by every admin exactly once, or acknowledged with a failure. Anything else after the
 * stragglers stop arriving is lost.
 */
export async function runStep(fleet: Fleet, o: StepOptions, serverPid?: number): Promise<StepResult> {
  const N = fleet.guests.length;
  const K = fleet.admins.length;
  const total = Math.max(1, Math.ceil(o.rate * (o.warmupS + o.measureS)));
  const firstMeasured = Math.min(total - 1, Math.ceil(o.rate * o.warmupS));
  const interval = 1000 / o.rate;
  const scheduled = new Float64Array(total);
  const sentAt = new Float64Array(total);
  const receivedAt = new Float64Array(total);
  const acked = new Uint8Array(total); // 0 not yet, 1 success, 2 failure
  const adminCount = new Uint8Array(total);
  const adminSeen = new Uint8Array(total * K);
  const done = new Uint8Array(total);
  const adminLatencies: number[] = [];
  const failures = new Map<string, number>();
  let settled = 0;
  let progressAt = performance.now();
  let duplicated = 0;
  let misrouted = 0;
  let seqErrors = 0;
  const prefix = `${o.step}:`;

  const check = (k: number) => {
    if (done[k]) return;
    if (acked[k] === 2 || (acked[k] === 1 && receivedAt[k]! > 0 && adminCount[k] === K)) {
      done[k] = 1;
      settled++;
      progressAt = performance.now();
    }
  };
  /** k for a message of this step; -1 for another step's (late), -2 for garbage. */
  const keyOf = (text: unknown): number => {
    if (typeof text !== 'string' || !text.startsWith(prefix)) return typeof text === 'string' && /^\d+:/.test(text) ? -1 : -2;
    const k = Number(text.slice(prefix.length, text.indexOf(':', prefix.length)));
    return Number.isInteger(k) && k >= 0 && k < total ? k : -2;
  };

  const offs: (() => void)[] = [];
  for (const g of fleet.guests) {
    const onReceived = (m: { conversationId?: string; message?: unknown; seq?: unknown }) => {
      if (m?.conversationId !== g.conversationId) return void misrouted++;
      if (typeof m.seq === 'number') {
        if (m.seq !== g.lastSeq + 1) seqErrors++;
        g.lastSeq = Math.max(g.lastSeq, m.seq);
      }
      const k = keyOf(m.message);
      if (k === -1) return;
      if (k < 0 || k % N !== g.idx) return void misrouted++;
      if (receivedAt[k]! > 0) return void duplicated++;
      receivedAt[k] = performance.now();
      check(k);
    };
    g.socket.on('message:received', onReceived);
    offs.push(() => g.socket.off('message:received', onReceived));
  }
  fleet.admins.forEach((socket, a) => {
    const onNew = (p: { conversationId?: string; message?: { conversationId?: string; message?: unknown } }) => {
      const k = keyOf(p?.message?.message);
      if (k === -1) return;
      if (k < 0 || p.conversationId !== p.message?.conversationId || p.conversationId !== fleet.guests[k % N]!.conversationId) {
        return void misrouted++;
      }
      const bit = k * K + a;
      if (adminSeen[bit]) return void duplicated++;
      adminSeen[bit] = 1;
      adminCount[k]!++;
      if (k >= firstMeasured) adminLatencies.push(performance.now() - scheduled[k]!);
      check(k);
    };
    socket.on('conversation:new_message', onNew);
    offs.push(() => socket.off('conversation:new_message', onNew));
  });

  const send = (k: number) => {
    const g = fleet.guests[k % N]!;
    const text = `${prefix}${k}:`.padEnd(o.messageBytes, 'x');
    sentAt[k] = performance.now();
    g.socket.emit('message:send', { conversationId: g.conversationId, message: text, clientMessageId: randomUUID() }, (reply: { success?: boolean; message?: string }) => {
      if (acked[k]) return void duplicated++;
      acked[k] = reply?.success === true ? 1 : 2;
      if (acked[k] === 2) failures.set(String(reply?.message), (failures.get(String(reply?.message)) ?? 0) + 1);
      check(k);
    });
  };

  const meter = cpuMeter(serverPid);
  const t0 = performance.now() + 20;
  for (let k = 0; k < total; k++) scheduled[k] = t0 + k * interval;
  await new Promise<void>((resolve) => {
    let k = 0;
    const tick = () => {
      const now = performance.now();
      while (k < total && scheduled[k]! <= now) send(k++);
      if (k >= total) return resolve();
      setTimeout(tick, Math.max(0, scheduled[k]! - performance.now()));
    };
    setTimeout(tick, 20);
  });
  progressAt = performance.now();
  while (settled < total && performance.now() - progressAt < o.stallS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const cpu = meter();
  for (const off of offs) off();

  const latencies: number[] = [];
  const lags: number[] = [];
  let lastDelivery = 0;
  for (let k = firstMeasured; k < total; k++) {
    lags.push(sentAt[k]! - scheduled[k]!);
    if (receivedAt[k]! > 0) {
      latencies.push(receivedAt[k]! - scheduled[k]!);
      lastDelivery = Math.max(lastDelivery, receivedAt[k]!);
    }
  }
  let failed = 0;
  for (let k = 0; k < total; k++) if (acked[k] === 2) failed++;
  const measuredStart = scheduled[firstMeasured]!;
  return {
    rate: o.rate,
    sent: total,
    measured: total - firstMeasured,
    failed,
    lost: total - settled,
    duplicated,
    misrouted,
    seqErrors,
    latency: summarize(latencies),
    adminLatency: summarize(adminLatencies),
    sendLag: summarize(lags),
    achieved: lastDelivery > measuredStart ? (latencies.length / (lastDelivery - measuredStart)) * 1000 : 0,
    cpu,
    failures: [...failures].map(([message, n]) => `${n}× ${message}`),
  };
}

export const passes = (r: StepResult, maxP99: number) =>
  r.latency.p99 < maxP99 && r.lost === 0 && r.failed === 0 && r.duplicated === 0 && r.misrouted === 0 && r.seqErrors === 0;
