import type { InboxItem, Outputs } from '../api/trpc.js';

/** A guest id is `guest_<ms>_<random…>`: a few of its random characters tell guests apart. */
export function shortId(id: string): string {
  return (id.split('_')[2] ?? id).slice(0, 6);
}

export function customerLabel(customer: InboxItem['customer']): string {
  if (customer.name) return customer.name;
  if (customer.type === 'guest') return `Guest ${shortId(customer.id)}`;
  return customer.email ?? `User ${customer.id.slice(0, 6)}`;
}

/** The customer of a conversation as its details name them. */
export function detailsLabel(d: Outputs['conversations']['details']): string {
  return customerLabel({
    type: d.userId ? 'user' : 'guest',
    id: d.userId ?? d.guestId ?? '',
    name: [d.user?.firstName, d.user?.lastName].filter(Boolean).join(' ') || null,
    email: d.user?.email ?? null,
  });
}
