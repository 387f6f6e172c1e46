import { Data, NoBody, Page } from '../common.js'
import { AcceptedInvitation, AcceptInvitationBody, CreatedInvitation, CreateInvitationBody, Invitation, InvitationFacets, InvitationParams, ListInvitationsQuery, WithdrawnInvitation } from '../invitations.js'
import { defineOperation } from '../operation.js'

const tag = 'Invitations'

export const createInvitation = defineOperation({
  operationId: 'createInvitation',
  method: 'POST',
  path: '/v1/invitations',
  summary: 'Invite someone to the organization',
  description:
    'Emails a link to the address; whoever reads that mailbox can join, with `role`, within 7 days, once. The response’s `acceptUrl` is the same link, for deployments without email. Nobody joins an organization without such a link.',
  tag,
  authentication: 'any',
  scope: 'members:write',
  body: CreateInvitationBody,
  responses: { 201: Data(CreatedInvitation) },
  errors: ['validation_failed', 'conflict'],
})

export const listInvitations = defineOperation({
  operationId: 'listInvitations',
  method: 'GET',
  path: '/v1/invitations',
  summary: 'List pending invitations',
  description: 'Invitations not yet accepted, withdrawn or expired, newest first. Accepted ones show up as members.',
  tag,
  authentication: 'any',
  scope: 'members:read',
  query: ListInvitationsQuery,
  responses: { 200: Page(Invitation, InvitationFacets) },
  errors: ['validation_failed'],
})

export const withdrawInvitation = defineOperation({
  operationId: 'withdrawInvitation',
  method: 'DELETE',
  path: '/v1/invitations/:id',
  summary: 'Withdraw a pending invitation',
  description: 'Its link stops working at once.',
  tag,
  authentication: 'any',
  scope: 'members:delete',
  params: InvitationParams,
  body: NoBody,
  bodyOptional: true,
  responses: { 200: Data(WithdrawnInvitation) },
  errors: ['not_found'],
})

export const acceptInvitation = defineOperation({
  operationId: 'acceptInvitation',
  method: 'POST',
  path: '/v1/invitations/accept',
  summary: 'Accept an invitation as a signed-in user',
  description:
    'For people who already have an account: the account’s email must be the invited address. People without one sign up with `invitationToken` instead (`POST /v1/auth/signup`). Sign in again with `organizationId` to act in the organization joined.',
  tag,
  authentication: 'session',
  body: AcceptInvitationBody,
  responses: { 200: Data(AcceptedInvitation) },
  errors: ['validation_failed', 'forbidden', 'conflict'],
})
