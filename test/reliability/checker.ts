/**
 * A Jepsen-style checker for message delivery. It is given the whole history of a run
 * (every send attempted, every acknowledgement a client got, what the database holds at
 * the end, and what each member of a conversation saw after its final sync) and says what
 * went wrong, if anything. It knows nothing about how the run was made.
 *
 * A logical message is identified by its conversation and text (every workload makes texts
 * unique), so a second stored copy is caught even if it lost its clientMessageId.
 */

export interface Attempt {
  client: string;
  conversationId: string;
  clientMessageId: string | null;
  text: string;
}

/** One successful acknowledgement (a retried send can have several). */
export interface Ack extends Attempt {
  id: string;
  seq: number;
}

export interface StoredMessage {
  id: string;
  conversationId: string;
  seq: number;
  message: string;
  clientMessageId: string | null;
}

/** The messages one member of a conversation holds, in the order it holds them. */
export interface MemberView {
  member: string;
  conversationId: string;
  messages: StoredMessage[];
}

export interface History {
  attempts: Attempt[];
  acks: Ack[];
  /** Every message of the run's conversations in the database. */
  database: StoredMessage[];
  views: MemberView[];
}

export interface Verdict {
  /** Distinct messages acknowledged at least once. */
  acked: number;
  /** Distinct messages attempted. */
  attempted: number;
  /** Rows in the database for the run's conversations. */
  stored: number;
  /** Attempted but never acknowledged (the client gave up or the run ended). */
  unacknowledged: number;
  /** Acknowledged messages missing from the database or from some member's view. */
  lost: number;
  /** Extra copies of a message, in the database or in a view. */
  duplicated: number;
  /** Places where a view or the database goes back in seq, or repeats one. */
  outOfOrder: number;
  /** Places where seq skips a number (including not starting at 1). */
  gaps: number;
  /** A message acknowledged twice with different ids or seqs, or with another text. */
  conflictingAcks: number;
  /** Stored messages nobody sent. */
  phantoms: number;
  /** Views that differ from the database (some other message, or another order). */
  divergentViews: number;
  /** The first problems, spelled out. */
  problems: string[];
  ok: boolean;
}

const keyOf = (conversationId: string, text: string) => `${conversationId}\u0000${text}`;

export function check(history: History): Verdict {
  const problems: string[] = [];
  const note = (problem: string) => {
    if (problems.length < 25) problems.push(problem);
  };

  const attempted = new Map<string, Attempt>();
  for (const a of history.attempts) attempted.set(keyOf(a.conversationId, a.text), a);

  // Acknowledgements of one message must all name the same stored message.
  const acked = new Map<string, Ack>();
  let conflictingAcks = 0;
  for (const ack of history.acks) {
    const key = keyOf(ack.conversationId, ack.text);
    const first = acked.get(key);
    if (!first) acked.set(key, ack);
    else if (first.id !== ack.id || first.seq !== ack.seq) {
      conflictingAcks++;
      note(`"${ack.text}" acknowledged as ${first.id}#${first.seq} and as ${ack.id}#${ack.seq}`);
    }
    if (!attempted.has(key)) attempted.set(key, ack);
  }

  const byConversation = new Map<string, StoredMessage[]>();
  for (const m of history.database) {
    const rows = byConversation.get(m.conversationId) ?? [];
    rows.push(m);
    byConversation.set(m.conversationId, rows);
  }

  let outOfOrder = 0;
  let gaps = 0;
  const checkSequence = (where: string, messages: StoredMessage[]) => {
    let previous = 0;
    for (const m of messages) {
      if (m.seq <= previous) {
        outOfOrder++;
        note(`${where}: seq ${m.seq} after ${previous}`);
      } else if (m.seq !== previous + 1) {
        gaps++;
        note(`${where}: seq jumps from ${previous} to ${m.seq}`);
      }
      previous = Math.max(previous, m.seq);
    }
  };

  let duplicated = 0;
  let phantoms = 0;
  const lostKeys = new Set<string>();
  const copiesIn = (where: string, messages: StoredMessage[]) => {
    const copies = new Map<string, StoredMessage[]>();
    for (const m of messages) {
      const key = keyOf(m.conversationId, m.message);
      copies.set(key, [...(copies.get(key) ?? []), m]);
    }
    for (const [key, list] of copies) {
      if (list.length > 1) {
        duplicated += list.length - 1;
        note(`${where}: "${list[0]!.message}" ${list.length} times (seq ${list.map((m) => m.seq).join(', ')})`);
      }
    }
    return copies;
  };

  // The database: gap-free seq per conversation, one copy of each message, nothing unsent.
  const stored = new Map<string, Map<string, StoredMessage[]>>();
  for (const [conversationId, rows] of byConversation) {
    const sorted = [...rows].sort((a, b) => a.seq - b.seq);
    checkSequence(`database ${conversationId}`, sorted);
    stored.set(conversationId, copiesIn(`database ${conversationId}`, sorted));
    for (const m of sorted) {
      if (!attempted.has(keyOf(conversationId, m.message))) {
        phantoms++;
        note(`database ${conversationId}: "${m.message}" (seq ${m.seq}) was never sent`);
      }
    }
  }
  for (const [key, ack] of acked) {
    const copies = stored.get(ack.conversationId)?.get(key) ?? [];
    if (copies.length === 0) {
      lostKeys.add(key);
      note(`database: acknowledged "${ack.text}" (${ack.id}#${ack.seq}) is missing`);
    } else if (!copies.some((m) => m.id === ack.id && m.seq === ack.seq)) {
      conflictingAcks++;
      note(`database: "${ack.text}" is stored as ${copies[0]!.id}#${copies[0]!.seq}, acknowledged as ${ack.id}#${ack.seq}`);
    }
  }

  // Each member, after its final sync: everything acknowledged exactly once, in seq order,
  // and nothing the database does not hold.
  let divergentViews = 0;
  for (const view of history.views) {
    const where = `view of ${view.member}`;
    checkSequence(where, view.messages);
    const copies = copiesIn(where, view.messages);
    for (const [key, ack] of acked) {
      if (ack.conversationId !== view.conversationId) continue;
      if (!copies.has(key)) {
        lostKeys.add(key);
        note(`${where}: acknowledged "${ack.text}" is missing`);
      }
    }
    const expected = [...(byConversation.get(view.conversationId) ?? [])].sort((a, b) => a.seq - b.seq).map((m) => m.id);
    const actual = view.messages.map((m) => m.id);
    if (expected.length !== actual.length || expected.some((id, i) => id !== actual[i])) {
      divergentViews++;
      note(`${where}: ${actual.length} messages, the database has ${expected.length} (or another order)`);
    }
  }

  const lost = lostKeys.size;
  const verdict: Verdict = {
    acked: acked.size,
    attempted: attempted.size,
    stored: history.database.length,
    unacknowledged: attempted.size - acked.size,
    lost,
    duplicated,
    outOfOrder,
    gaps,
    conflictingAcks,
    phantoms,
    divergentViews,
    problems,
    ok: false,
  };
  verdict.ok = lost + duplicated + outOfOrder + gaps + conflictingAcks + phantoms + divergentViews === 0;
  return verdict;
}

/** One line for the CI log. */
export function summary(name: string, verdict: Verdict, extra: Record<string, number | string> = {}): string {
  const numbers = {
    acked: verdict.acked,
    stored: verdict.stored,
    lost: verdict.lost,
    duplicated: verdict.duplicated,
    outOfOrder: verdict.outOfOrder,
    gaps: verdict.gaps,
    unacknowledged: verdict.unacknowledged,
    ...extra,
  };
  return `[reliability] ${name}: ${Object.entries(numbers)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
}
