import { TRPCError } from '@trpc/server';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** A budget of `points` per `seconds`, per key. */
export interface LimitRule {
  points: number;
  seconds: number;
}

/**
 * Every limit the service enforces, by name. Defaults are documented in the README and
 * each can be set with LIMIT_<NAME> = "<points>/<seconds>" (e.g. LIMIT_CODE_FAILURES_GLOBAL=15/60).
 */
export const defaultLimitRules = {
  /** Messages sent through one connection (socket). */
  MESSAGES_PER_CONNECTION: { points: 30, seconds: 10 },
  /** Messages sent by one user, admin or guest, over all their connections and replicas. */
  MESSAGES_PER_IDENTITY: { points: 120, seconds: 60 },
  /** typing:start / typing:stop events through one connection. */
  TYPING_PER_CONNECTION: { points: 40, seconds: 10 },
  /** typing events from one identity. */
  TYPING_PER_IDENTITY: { points: 120, seconds: 10 },
  /** Guest ids issued to one client address. */
  GUESTS_PER_ADDRESS: { points: 60, seconds: 60 * 60 },
  /** REST and tRPC requests from one client address. */
  REQUESTS_PER_ADDRESS: { points: 600, seconds: 60 },
  /** Socket connections opened by one identity. */
  CONNECTIONS_PER_IDENTITY: { points: 60, seconds: 60 },
  /** Failed code checks from one client address. */
  CODE_FAILURES_PER_ADDRESS: { points: 20, seconds: 15 * 60 },
  /** Failed code checks naming one user or guest; reaching it burns that owner's live codes. */
  CODE_FAILURES_PER_OWNER: { points: 5, seconds: 15 * 60 },
  /** Failed code checks across the whole service: what bounds a guesser spread over many addresses. */
  CODE_FAILURES_GLOBAL: { points: 15, seconds: 60 },
  /** Notes and saved replies written (created, edited, deleted) by one agent. */
  AGENT_WRITES_PER_IDENTITY: { points: 120, seconds: 60 },
  /** Presence heartbeats from one agent (a console sends one every 20 s, more on focus changes). */
  HEARTBEATS_PER_IDENTITY: { points: 30, seconds: 60 },
  /** Uploads asked for by one user, admin or guest (attachments.create). */
  ATTACHMENTS_PER_IDENTITY: { points: 60, seconds: 60 * 60 },
  /** Call requests, rings, answers, hang-ups and the like from one identity. */
  CALL_ACTIONS_PER_IDENTITY: { points: 60, seconds: 60 },
  /** WebRTC signals (offers, answers, ICE candidates, media state) from one identity. */
  CALL_SIGNALS_PER_IDENTITY: { points: 600, seconds: 60 },
  /** Follow-up addresses given by one guest (email.setGuestEmail). */
  EMAIL_CHANGES_PER_IDENTITY: { points: 10, seconds: 60 * 60 },
} satisfies Record<string, LimitRule>;

export type LimitName = keyof typeof defaultLimitRules;
export type LimitRules = Record<LimitName, LimitRule>;

export class RateLimitedError extends TRPCError {
  constructor(readonly retryAfterSeconds: number) {
    super({ code: 'TOO_MANY_REQUESTS', message: 'Too many requests, try again later' });
  }
}

/**
 * The one place limits are counted: in memory for one process, in Redis when REDIS_URL is
 * set so that every replica draws on the same budget.
 */
export class Limits {
  private readonly limiters: Record<LimitName, RateLimiterAbstract>;
  private readonly onRejected: (name: LimitName) => void;

  constructor(
    readonly rules: LimitRules,
    options: { redis?: Redis; onRejected?: (name: LimitName) => void } = {},
  ) {
    this.onRejected = options.onRejected ?? (() => {});
    const { redis } = options;
    const make = (name: string, rule: LimitRule): RateLimiterAbstract => {
      const base = { points: rule.points, duration: rule.seconds, keyPrefix: `limit:${name}` };
      // While Redis is unreachable each replica counts on its own rather than failing every call.
      return redis
        ? new RateLimiterRedis({ ...base, storeClient: redis, insuranceLimiter: new RateLimiterMemory(base) })
        : new RateLimiterMemory(base);
    };
    this.limiters = Object.fromEntries(Object.entries(rules).map(([name, rule]) => [name, make(name, rule)])) as Record<
      LimitName,
      RateLimiterAbstract
    >;
  }

  /** Spends points; throws RateLimitedError once the budget is gone. Returns what is left. */
  async consume(name: LimitName, key: string, points = 1): Promise<number> {
    try {
      return (await this.limiters[name].consume(key, points)).remainingPoints;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      this.onRejected(name);
      throw new RateLimitedError(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    }
  }

  /** Throws RateLimitedError if the budget is already spent, without spending any. */
  async check(name: LimitName, key: string): Promise<void> {
    const state = await this.limiters[name].get(key);
    if (state && state.consumedPoints >= this.rules[name].points) {
      this.onRejected(name);
      throw new RateLimitedError(Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
    }
  }
}

/** Reads LIMIT_<NAME>=points/seconds overrides; anything malformed is a configuration error. */
export function limitRulesFromEnv(env: Record<string, string | undefined>): LimitRules {
  const rules = { ...defaultLimitRules } as LimitRules;
  for (const name of Object.keys(rules) as LimitName[]) {
    const value = env[`LIMIT_${name}`];
    if (!value) continue;
    const match = /^(\d+)\/(\d+)$/.exec(value.trim());
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
      throw new Error(`Invalid configuration: LIMIT_${name} must look like <points>/<seconds>, e.g. 20/60`);
    }
    rules[name] = { points: Number(match[1]), seconds: Number(match[2]) };
  }
  return rules;
}
