import { acceptInvitation, createInvitation, listInvitations, withdrawInvitation } from '@brandwave/contract'
import { decodeCursor, encodeCursor } from '../../http/cursor.js'
import type { Invitation, InvitationService } from '../../sign-in/invitations.js'
import type { RouteRegistrar } from '../route-registrar.js'

function invitationResponse({ id, email, role, invitedBy, createdAt, expiresAt }: Invitation) {
  return { id, email, role, status: 'pending' as const, invitedBy, createdAt, expiresAt }
}

/** Who has been asked to join the organization (SPEC §9). */
export function invitationRoutes(route: RouteRegistrar, { invitations }: { invitations: InvitationService }): void {
  route(createInvitation, async ({ principal, body, request }) => {
    const { invitation, acceptUrl } = await invitations.create(principal, body, request)
    return { status: 201, body: { data: { ...invitationResponse(invitation), acceptUrl } } }
  })

  route(listInvitations, async ({ principal, query }) => {
    const page = await invitations.list(principal, { limit: query.limit ?? 20, afterId: decodeCursor(query.cursor, 'id') })
    return { status: 200, body: { items: page.items.map(invitationResponse), totalCount: page.totalCount, facets: page.facets, nextCursor: encodeCursor(page.nextAfterId) } }
  })

  route(withdrawInvitation, async ({ principal, params, request }) => {
    return { status: 200, body: { data: await invitations.withdraw(principal, params.id, request) } }
  })

  route(acceptInvitation, async ({ principal, body, request }) => {
    return { status: 200, body: { data: await invitations.accept(principal, body.token, request) } }
  })
}
