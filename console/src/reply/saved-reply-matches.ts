import type { Outputs } from '../api/trpc.js';

export type SavedReply = Outputs['savedReplies']['create'];

/**
 * A reply that is `/` and a few letters asks for a saved reply: the ones whose title (or
 * text) holds those letters, titles first. Anything else asks for none.
 */
export function savedReplyQuery(draft: string): string | null {
  const match = /^\/(\S*)$/.exec(draft);
  return match ? match[1]!.toLowerCase() : null;
}

export function matchingReplies(replies: SavedReply[], query: string): SavedReply[] {
  const inTitle = replies.filter((r) => r.title.toLowerCase().includes(query));
  const inText = replies.filter((r) => !inTitle.includes(r) && r.text.toLowerCase().includes(query));
  return [...inTitle, ...inText].slice(0, 8);
}
