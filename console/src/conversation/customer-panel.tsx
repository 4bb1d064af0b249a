import { useMutation, useQuery } from '@tanstack/react-query';
import { useTRPC, type Outputs } from '../api/trpc.js';
import { shortId } from '../ui/customer.js';
import { RelativeTime } from '../ui/relative-time.js';

type Details = Outputs['conversations']['details'];

/** Who the customer is, and an onboarding code for them. */
export function CustomerPanel({ details }: { details: Details }) {
  const trpc = useTRPC();
  const code = useMutation(trpc.onboarding.generateCode.mutationOptions());
  const user = details.user;
  const name = user && [user.firstName, user.lastName].filter(Boolean).join(' ');
  return (
    <aside className="customer-panel" aria-label="Customer">
      <h2>{name || (details.guestId ? `Guest ${shortId(details.guestId)}` : 'Customer')}</h2>
      <dl>
        <dt>Kind</dt>
        <dd>{details.userId ? 'Signed-in user' : 'Guest'}</dd>
        {user?.email && (
          <>
            <dt>Email</dt>
            <dd className="email">{user.email}</dd>
          </>
        )}
        {details.guestEmail && (
          <>
            <dt>Email (for replies while away)</dt>
            <dd className="email">
              {details.guestEmail}
              {!details.guestEmailConfirmed && <span className="unconfirmed"> (not confirmed yet: replies are emailed once the guest confirms it)</span>}
            </dd>
          </>
        )}
        {details.subject && (
          <>
            <dt>Subject</dt>
            <dd className="subject">{details.subject}</dd>
          </>
        )}
        <dt>Type</dt>
        <dd>{details.type.replace('_', ' ')}</dd>
      </dl>
      <button type="button" disabled={code.isPending || details.status === 'closed'} onClick={() => code.mutate({ conversationId: details.id })}>
        Send onboarding code
      </button>
      {code.isSuccess && <p role="status">Code sent; it expires at {new Date(code.data.expiresAt).toLocaleTimeString()}.</p>}
      {code.isError && <p role="alert">{code.error.message}</p>}
      <OtherConversations conversationId={details.id} />
    </aside>
  );
}

/** The customer's conversations (this one marked), newest first. */
function OtherConversations({ conversationId }: { conversationId: string }) {
  const trpc = useTRPC();
  const theirs = useQuery(trpc.conversations.ofCustomer.queryOptions({ conversationId })).data?.conversations ?? [];
  if (theirs.length <= 1) return null;
  return (
    <section aria-label="Their conversations" className="their-conversations">
      <h3>Their conversations</h3>
      <ul>
        {theirs.map((c) => (
          <li key={c.id} aria-current={c.id === conversationId ? 'true' : undefined}>
            <span className="subject">{c.subject ?? c.type.replace('_', ' ')}</span> <span className="muted">{c.status}</span>{' '}
            {c.lastMessageAt && <RelativeTime iso={c.lastMessageAt} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
