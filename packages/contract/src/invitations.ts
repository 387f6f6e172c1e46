import Type, { type Static } from 'typebox'
import { Email, Role } from './auth.js'
import { Cursor, Limit, Nullable, Timestamp, Uuid } from './common.js'

export const Invitation = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    role: Role,
    status: Type.Literal('pending'),
    invitedBy: Type.Object({ id: Nullable(Type.String()), name: Type.String() }, { additionalProperties: false }),
    createdAt: Timestamp,
    expiresAt: Timestamp,
  },
  { additionalProperties: false },
)
export type Invitation = Static<typeof Invitation>

export const CreatedInvitation = Type.Object(
  {
    ...Invitation.properties,
    acceptUrl: Type.String({
      description:
        '`{BRANDWAVE_PUBLIC_URL}/invitations/accept#token=…`, also sent by email. Shown once: share it another way when the deployment sends no email. The token is in the fragment, so browsers never send it to a server.',
    }),
  },
  { additionalProperties: false },
)

export const CreateInvitationBody = Type.Object({ email: Email, role: Role }, { additionalProperties: false })
export type CreateInvitationBody = Static<typeof CreateInvitationBody>

export const InvitationParams = Type.Object({ id: Uuid }, { additionalProperties: false })

export const ListInvitationsQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false })

export const InvitationFacets = Type.Object(
  { role: Type.Object({ company_admin: Type.Integer(), member: Type.Integer() }, { additionalProperties: false }) },
  { additionalProperties: false },
)

export const InvitationToken = Type.String({ minLength: 1, maxLength: 256, description: 'The token from the invitation link (after `#token=`).' })

export const AcceptInvitationBody = Type.Object({ token: InvitationToken }, { additionalProperties: false })

export const AcceptedInvitation = Type.Object(
  { invitationId: Uuid, organizationId: Uuid, role: Role, acceptedAt: Timestamp },
  { additionalProperties: false },
)

export const WithdrawnInvitation = Type.Object({ id: Uuid, withdrawnAt: Timestamp }, { additionalProperties: false })
