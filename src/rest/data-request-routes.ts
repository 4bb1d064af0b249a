import { AuditLogInput, AuditLogSchema, DataExportSchema, DataSubjectInput, EraseInput, ErasureSchema } from '../router/data-requests.schema.js';
import type { RestRoute } from './route.js';

/** Data requests for admins: the same procedures as `dataRequests.*` over tRPC. */
export const dataRequestRoutes: RestRoute[] = [
  {
    method: 'post',
    path: '/admin/data-requests/export',
    tag: 'Privacy',
    summary: 'Everything held about one customer, as one JSON document',
    description: 'The profile, every conversation with its messages (both sides), the agents’ notes on them and the files (links valid for minutes). Written to the audit log.',
    access: 'admin',
    input: DataSubjectInput,
    output: DataExportSchema,
    call: (caller, input) => caller.dataRequests.export(input),
  },
  {
    method: 'post',
    path: '/admin/data-requests/erase',
    tag: 'Privacy',
    summary: 'Erase one customer’s data',
    description:
      'In one transaction: every message’s text in their conversations is emptied (the rows, seq and counts stay for the agents’ side), ' +
      'the notes and files on them are deleted, subjects cleared, unsent webhook events dropped, and the profile’s personal fields removed. ' +
      'A guest’s id is refused from then on (401 on REST, refused on the socket); their open connections are closed. Written to the audit log.',
    access: 'admin',
    input: EraseInput,
    output: ErasureSchema,
    call: (caller, input) => caller.dataRequests.erase(input),
  },
  {
    method: 'get',
    path: '/admin/audit-log',
    tag: 'Privacy',
    summary: 'Who exported or erased whose data, newest first',
    access: 'admin',
    input: AuditLogInput,
    output: AuditLogSchema,
    call: (caller, input) => caller.dataRequests.auditLog(input),
  },
];
