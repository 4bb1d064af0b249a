import type { Migration } from 'kysely';
import * as initial from './2026-11-24-001-initial.js';
import * as authCodes from './2026-11-24-002-auth-codes.js';
import * as inbox from './2026-11-24-003-inbox.js';
import * as searchIndex from './2026-11-24-004-search-index-without-pending-list.js'; // issue 6: no GIN pending-list stalls
import * as authCodeForItsOwner from './2026-12-01-001-auth-code-for-its-owner.js'; // issue 18: codes readable by their owner
import * as agentWorkspace from './2026-12-01-002-agent-workspace.js'; // issue 13: notes, saved replies, presence
import * as attachments from './2026-12-01-003-attachments.js'; // issue 14: files in conversations
import * as attachmentCheckClaim from './2026-12-01-004-attachment-check-claim.js'; // issue 14: one check of an upload at a time
import * as conversationCounts from './2026-12-01-005-conversation-counts.js'; // issue 17: counts without a scan
import * as webhooks from './2026-12-01-006-webhooks.js'; // issue 16: webhooks out, on an outbox
import * as dataRequests from './2026-12-01-007-data-requests.js'; // issue 16: export, erasure, audit log
import * as emailFollowUp from './2026-12-01-008-email-follow-up.js'; // issue 16: replies by email
import * as followUpClaim from './2026-12-01-009-follow-up-claim.js'; // issue 16: one check per conversation at a time
import * as calls from './2026-12-07-001-calls.js'; // issue 15: call requests and in-app calls
import * as agentEmails from './2026-12-07-002-agent-emails.js'; // issue 16: agents away hear of new messages by email
import * as guestEmailConfirmation from './2026-12-07-003-guest-email-confirmation.js'; // issue 16: a guest's address is confirmed first
import * as fileRemovals from './2026-12-07-004-file-removals.js'; // erasure review: a failed byte removal is retried

/** Every migration, by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '2026-11-24-001-initial': initial,
  '2026-11-24-002-auth-codes': authCodes,
  '2026-11-24-003-inbox': inbox,
  '2026-11-24-004-search-index-without-pending-list': searchIndex,
  '2026-12-01-001-auth-code-for-its-owner': authCodeForItsOwner,
  '2026-12-01-002-agent-workspace': agentWorkspace,
  '2026-12-01-003-attachments': attachments,
  '2026-12-01-004-attachment-check-claim': attachmentCheckClaim,
  '2026-12-01-005-conversation-counts': conversationCounts,
  '2026-12-01-006-webhooks': webhooks,
  '2026-12-01-007-data-requests': dataRequests,
  '2026-12-01-008-email-follow-up': emailFollowUp,
  '2026-12-01-009-follow-up-claim': followUpClaim,
  '2026-12-07-001-calls': calls,
  '2026-12-07-002-agent-emails': agentEmails,
  '2026-12-07-003-guest-email-confirmation': guestEmailConfirmation,
  '2026-12-07-004-file-removals': fileRemovals,
};
