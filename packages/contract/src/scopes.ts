import Type from 'typebox'

export const ScopeDescriptionSchema = Type.Object(
  {
    scope: Type.String({ examples: ['contacts:read'] }),
    resource: Type.String(),
    action: Type.Enum(['read', 'write', 'delete', 'workflow']),
    description: Type.String(),
    origin: Type.Enum(['brandwave', 'host'], { description: '`host`: a resource family of the product itself (`BRANDWAVE_RESOURCES`).' }),
  },
  { additionalProperties: false },
)

export const ScopeFacets = Type.Object(
  { origin: Type.Object({ brandwave: Type.Integer(), host: Type.Integer() }, { additionalProperties: false }) },
  { additionalProperties: false },
)
