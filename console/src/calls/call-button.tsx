import type { Conversation } from '../api/trpc.js';
import { inCall, useCalls } from './call-provider.js';

/**
 * "Call the customer" in the conversation's header: rings them from this window (taking up
 * their waiting request, if any). Not while a call goes on in this console or the conversation
 * is closed; the server's refusal (another call there, 409) or the browser's (no microphone)
 * shows beside it.
 */
export function CallButton({ conversation }: { conversation: Pick<Conversation, 'id' | 'status'> }) {
  const calls = useCalls();
  const state = calls?.state;
  const closed = conversation.status === 'closed';
  const failure = calls?.ringFailure?.conversationId === conversation.id && calls.ringFailure.from === 'header' ? calls.ringFailure.message : null;
  const why = closed ? 'The conversation is closed' : state && inCall(state) ? 'A call is going on' : undefined;
  return (
    <>
      <button
        type="button"
        className="call-button"
        disabled={!calls || !state || state.busy || inCall(state) || closed}
        title={why}
        onClick={() => void calls?.ring(conversation.id, 'header')}
      >
        Call the customer
      </button>
      {failure && (
        <span role="alert" className="error call-error">
          {failure}
        </span>
      )}
    </>
  );
}
