import { changeMemberRole, endMemberSessions, listMembers, removeMember } from '@brandwave/contract'
import { decodeCursor, encodeCursor } from '../../http/cursor.js'
import type { MemberService } from '../../services/members.js'
import type { Member } from '../../services/members.js'
import type { RouteRegistrar } from '../route-registrar.js'

function memberResponse(member: Member) {
  return { userId: member.userId, email: member.email, name: member.name, role: member.role, twoFactorEnabled: member.twoFactorEnabled, joinedAt: member.joinedAt }
}

/** Who belongs to the organization, with which role. */
export function memberRoutes(route: RouteRegistrar, { members }: { members: MemberService }): void {
  route(listMembers, async ({ principal, query }) => {
    const filter = { ...(query.role !== undefined && { role: query.role }), ...(query.search !== undefined && { search: query.search }) }
    const page = await members.list(principal, filter, { limit: query.limit ?? 20, afterUserId: decodeCursor(query.cursor, 'id') })
    return { status: 200, body: { items: page.items.map(memberResponse), totalCount: page.totalCount, facets: page.facets, nextCursor: encodeCursor(page.nextAfterUserId) } }
  })

  route(changeMemberRole, async ({ principal, params, body, request }) => {
    return { status: 200, body: { data: memberResponse(await members.changeRole(principal, params.userId, body.role, request)) } }
  })

  route(removeMember, async ({ principal, params, request }) => {
    return { status: 200, body: { data: await members.remove(principal, params.userId, request) } }
  })

  route(endMemberSessions, async ({ principal, params, request }) => {
    return { status: 200, body: { data: await members.endSessions(principal, params.userId, request) } }
  })
}
