import { AuditEvent, AuditFacets, ListAuditEventsQuery } from '../audit.js'
import { Page } from '../common.js'
import { defineOperation } from '../operation.js'

export const listAuditEvents = defineOperation({
  operationId: 'listAuditEvents',
  method: 'GET',
  path: '/v1/audit-logs',
  summary: 'The organization’s audit log',
  description: 'Credential, member and sign-in events, newest first, with actor, target, IP, user agent and request id. Never a secret.',
  tag: 'Audit log',
  authentication: 'any',
  scope: 'audit_logs:read',
  query: ListAuditEventsQuery,
  responses: { 200: Page(AuditEvent, AuditFacets) },
  errors: ['validation_failed'],
})
