import { Data, NoBody, Page } from '../common.js'
import { ChangeRoleBody, EndedMemberSessions, ListMembersQuery, Member, MemberFacets, MemberParams, RemovedMember } from '../members.js'
import { defineOperation } from '../operation.js'

const tag = 'Members'

export const listMembers = defineOperation({
  operationId: 'listMembers',
  method: 'GET',
  path: '/v1/members',
  summary: 'List the organization’s members',
  description: 'People join through invitations: the ones not yet accepted are listed at `GET /v1/invitations`.',
  tag,
  authentication: 'any',
  scope: 'members:read',
  query: ListMembersQuery,
  responses: { 200: Page(Member, MemberFacets) },
  errors: ['validation_failed'],
})

export const changeMemberRole = defineOperation({
  operationId: 'changeMemberRole',
  method: 'PATCH',
  path: '/v1/members/:userId',
  summary: 'Change a member’s role',
  description: 'Takes effect on the member’s sessions and tokens on their very next request. The last company_admin cannot be demoted.',
  tag,
  authentication: 'any',
  scope: 'members:write',
  params: MemberParams,
  body: ChangeRoleBody,
  responses: { 200: Data(Member) },
  errors: ['validation_failed', 'not_found', 'conflict'],
})

export const removeMember = defineOperation({
  operationId: 'removeMember',
  method: 'DELETE',
  path: '/v1/members/:userId',
  summary: 'Remove a member',
  description: 'Revokes the member’s personal access tokens and ends their sessions in this organization at once. API keys they created stay. The last company_admin cannot be removed.',
  tag,
  authentication: 'any',
  scope: 'members:delete',
  params: MemberParams,
  body: NoBody,
  bodyOptional: true,
  responses: { 200: Data(RemovedMember) },
  errors: ['not_found', 'conflict'],
})

export const endMemberSessions = defineOperation({
  operationId: 'endMemberSessions',
  method: 'POST',
  path: '/v1/members/:userId/end-sessions',
  summary: 'End a member’s sessions',
  description:
    'Signs the member out of this organization everywhere at once (a lost laptop, a suspected takeover): every session ends, its access token included, on every instance. ' +
    'Their personal access tokens and authorized apps stay; they can sign in again. Ending an administrator’s sessions needs every permission an administrator holds.',
  tag,
  authentication: 'any',
  scope: 'members:workflow',
  params: MemberParams,
  body: NoBody,
  bodyOptional: true,
  responses: { 200: Data(EndedMemberSessions) },
  errors: ['not_found', 'forbidden'],
})
