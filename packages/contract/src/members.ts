import Type, { type Static } from 'typebox'
import { Role } from './auth.js'
import { Cursor, Limit, PlainText, Timestamp, Uuid } from './common.js'

export const Member = Type.Object(
  {
    userId: Uuid,
    email: Type.String(),
    name: Type.String(),
    role: Role,
    twoFactorEnabled: Type.Boolean(),
    joinedAt: Timestamp,
  },
  { additionalProperties: false },
)
export type Member = Static<typeof Member>

export const MemberFacets = Type.Object(
  { role: Type.Object({ company_admin: Type.Integer(), member: Type.Integer() }, { additionalProperties: false }) },
  { additionalProperties: false },
)

export const ListMembersQuery = Type.Object(
  {
    role: Type.Optional(Role),
    search: Type.Optional(PlainText({ maxLength: 100, description: 'Case-insensitive match on email or name.' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type ListMembersQuery = Static<typeof ListMembersQuery>

export const ChangeRoleBody = Type.Object({ role: Role }, { additionalProperties: false })

export const MemberParams = Type.Object({ userId: Uuid }, { additionalProperties: false })

export const EndedMemberSessions = Type.Object(
  {
    userId: Uuid,
    endedAt: Timestamp,
    endedSessions: Type.Integer({ description: 'Sessions of the member in this organization that were open and are now ended.' }),
  },
  { additionalProperties: false },
)

export const RemovedMember = Type.Object(
  {
    userId: Uuid,
    removedAt: Timestamp,
    revokedTokens: Type.Integer({ description: 'Personal access tokens of the user in this organization, revoked with the removal.' }),
    endedSessions: Type.Integer(),
  },
  { additionalProperties: false },
)
