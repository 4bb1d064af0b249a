import type PgBoss from 'pg-boss';
import type { Db } from '../db/connect.js';
import type { WebhookDeliveryRow } from '../db/schema.js';
import {
  claimStream,
  disableFailingEndpoint,
  dueStreams,
  findEndpoint,
  headOfStream,
  recordAttempt,
  releaseStream,
  renewStream,
} from '../db/webhooks.js';
import type { AttachmentFiles } from '../files/attachment-files.js';
import { createWebhookSender, type WebhookSender } from '../net/webhook-requests.js';
import type { Logger } from '../ops/logger.js';
import { webhookPayload } from './webhook-payloads.js';

export interface WebhookSettings {
  allowPrivate: boolean;
  timeoutMs: number;
  /** The first retry's delay; each next one doubles, up to six hours. */
  retryBaseMs: number;
  /** A delivery is given up (status failed) at the first failure this long after its event. */
  retryForMs: number;
  /** An endpoint whose every attempt has failed for this long is turned off. */
  disableAfterMs: number;
  /** How long a stream stays claimed by a worker that stopped answering. */
  leaseSeconds: number;
}

const DRAIN_QUEUE = 'webhook-stream';
const SWEEP_QUEUE = 'webhook-sweep';
const MAX_RETRY_DELAY_MS = 6 * 3600_000;
/** Streams drained side by side in one process. */
const WORKERS = 4;

interface StreamJob {
  endpointId: string;
  streamKey: string;
}

export const retryDelayMs = (settings: Pick<WebhookSettings, 'retryBaseMs'>, attempts: number): number =>
  Math.min(settings.retryBaseMs * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);

/**
 * Works off the webhook outbox with pg-boss. Each stream (one endpoint, one conversation)
 * has at most one waiting job (the queue's `short` policy); the job drains the stream in seq
 * order under a lease, so one worker in the whole deployment sends its events, one at a time.
 * A failure schedules the stream's next job at the retry time, and everything behind the
 * failed event waits for it: in order per conversation, even across retries.
 *
 * Jobs are created when the outbox's NOTIFY reaches this process (`onQueued`), and by a
 * sweep once a minute (pg-boss's cron, once per deployment) and at start, for any
 * notification that was lost.
 */
export interface WebhookWorkerDeps {
  db: Db;
  files: AttachmentFiles;
  /** Called in the transaction that turns a failing endpoint off (admins are told by email). */
  whenDisabled?: (trx: Db, endpointId: string) => Promise<void>;
}

export async function startWebhookWorker(boss: PgBoss, deps: WebhookWorkerDeps, settings: WebhookSettings, log: Logger) {
  const { db } = deps;
  const sender = createWebhookSender(settings);
  await boss.createQueue(DRAIN_QUEUE, { name: DRAIN_QUEUE, policy: 'short', retryLimit: 10, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60 });
  await boss.createQueue(SWEEP_QUEUE, { name: SWEEP_QUEUE, policy: 'short', retryLimit: 0 });

  const workerIds: string[] = [];
  const wake = async (job: StreamJob, startAfter?: Date): Promise<void> => {
    await boss.send(DRAIN_QUEUE, job, { singletonKey: `${job.endpointId} ${job.streamKey}`, ...(startAfter && { startAfter }) });
    if (!startAfter) for (const id of workerIds) boss.notifyWorker(id);
  };
  // A retry is a job that waits for its time, found at a poll: poll about as often as the
  // shortest retry delay, within pg-boss's bounds.
  const pollingSeconds = Math.min(2, Math.max(0.5, settings.retryBaseMs / 1000));
  const drainer = new StreamDrainer(deps, sender, settings, log, wake);
  for (let i = 0; i < WORKERS; i++) {
    workerIds.push(await boss.work<StreamJob>(DRAIN_QUEUE, { pollingIntervalSeconds: pollingSeconds }, async ([job]) => drainer.drain(job!.data)));
  }
  const sweep = async () => {
    for (const stream of await dueStreams(db, 1000)) await wake({ endpointId: stream.endpoint_id, streamKey: stream.stream_key });
  };
  await boss.work(SWEEP_QUEUE, async () => sweep());
  await boss.schedule(SWEEP_QUEUE, '* * * * *');
  await boss.send(SWEEP_QUEUE, {});

  return {
    /** A delivery row's NOTIFY: `<endpoint id> <stream key>`. */
    onQueued(payload: string): void {
      const [endpointId, streamKey] = payload.split(' ');
      if (endpointId && streamKey) wake({ endpointId, streamKey }).catch((error: unknown) => log.warn({ err: error }, 'webhook wake failed'));
    },
    close: () => sender.close(),
  };
}

class StreamDrainer {
  private readonly db: Db;
  private readonly files: AttachmentFiles;

  constructor(
    private readonly deps: WebhookWorkerDeps,
    private readonly sender: WebhookSender,
    private readonly settings: WebhookSettings,
    private readonly log: Logger,
    private readonly wake: (job: StreamJob, startAfter?: Date) => Promise<void>,
  ) {
    this.db = deps.db;
    this.files = deps.files;
  }

  async drain({ endpointId, streamKey }: StreamJob): Promise<void> {
    for (;;) {
      const lease = await claimStream(this.db, endpointId, streamKey, this.settings.leaseSeconds);
      // Another worker holds it, and looks again after letting go.
      if (!lease) return;
      try {
        await this.sendInOrder(endpointId, streamKey, lease);
      } finally {
        await releaseStream(this.db, endpointId, streamKey, lease);
      }
      // An event written while the lease was held found it taken: it is ours to send.
      const head = await headOfStream(this.db, endpointId, streamKey);
      if (!head?.due) return;
      const endpoint = await findEndpoint(this.db, endpointId);
      if (!endpoint?.enabled) return;
    }
  }

  private async sendInOrder(endpointId: string, streamKey: string, lease: string): Promise<void> {
    for (;;) {
      const endpoint = await findEndpoint(this.db, endpointId);
      // A disabled endpoint keeps its events; turning it on again sends them (the sweep).
      if (!endpoint?.enabled) return;
      const head = await headOfStream(this.db, endpointId, streamKey);
      if (!head) return;
      if (!head.due) {
        await this.wake({ endpointId, streamKey }, head.next_attempt_at);
        return;
      }
      // Renewed before each send (the lease outlasts one send, see the config check): a worker
      // that lost its lease stops before sending anything more.
      if (!(await renewStream(this.db, endpointId, streamKey, lease, this.settings.leaseSeconds))) return;
      const answer = await this.sender.send(endpoint, head.id, await webhookPayload({ db: this.db, files: this.files }, head));
      if (answer.ok) {
        await recordAttempt(this.db, head, { delivered: true, httpStatus: answer.status, response: answer.body, error: null });
      } else if (await this.failed(head, answer)) {
        return;
      }
    }
  }

  /** Records a failed attempt; true when the stream must now wait (a retry is scheduled). */
  private async failed(head: WebhookDeliveryRow, answer: { status: number | null; body: string | null; error: string | null }): Promise<boolean> {
    const recorded = await recordAttempt(this.db, head, {
      delivered: false,
      httpStatus: answer.status,
      response: answer.body,
      error: answer.error,
      retryInMs: retryDelayMs(this.settings, head.attempts + 1),
      giveUpAfterMs: this.settings.retryForMs,
    });
    const givenUp = recorded?.status === 'failed';
    if (givenUp) this.log.warn({ endpointId: head.endpoint_id, deliveryId: head.id, attempts: head.attempts + 1 }, 'webhook delivery given up');
    const days = Math.round(this.settings.disableAfterMs / 86_400_000);
    const reason = `Every delivery failed for ${days > 0 ? `${days} days` : 'too long'}`;
    const disabled = await this.db.transaction().execute(async (trx) => {
      const turnedOff = await disableFailingEndpoint(trx, head.endpoint_id, this.settings.disableAfterMs, reason);
      if (turnedOff) await this.deps.whenDisabled?.(trx, head.endpoint_id);
      return turnedOff;
    });
    if (disabled) {
      this.log.warn({ endpointId: head.endpoint_id }, 'webhook endpoint disabled: it has failed for too long');
      return true;
    }
    if (recorded?.status !== 'pending') return false;
    await this.wake({ endpointId: head.endpoint_id, streamKey: head.stream_key }, recorded.next_attempt_at);
    return true;
  }
}
