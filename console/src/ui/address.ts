const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
let taken: string | null | undefined;

/**
 * The conversation a link names as `/agent#conversation=<id>` (an agent's email links so),
 * taken out of the address so a reload opens the inbox as usual. Anything else is ignored.
 * The first answer is kept: React may call a state initializer twice.
 */
export function takeConversationFromAddress(): string | null {
  if (taken !== undefined) return taken;
  const id = new URLSearchParams(location.hash.slice(1)).get('conversation');
  if (id !== null) history.replaceState(null, '', location.pathname + location.search);
  taken = id !== null && UUID.test(id) ? id.toLowerCase() : null;
  return taken;
}
