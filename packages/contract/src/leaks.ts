import Type from 'typebox'

/** The most tokens one call may report, as GitHub batches at most this many per alert. */
export const MAX_REPORTED_CREDENTIALS = 1000

export const RevokeByValueBody = Type.Object(
  {
    credentials: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      minItems: 1,
      maxItems: MAX_REPORTED_CREDENTIALS,
      description: 'Tokens found somewhere they should not be (a repository, a paste, a log).',
    }),
  },
  { additionalProperties: false },
)

export const RevokeByValueAccepted = Type.Object(
  { message: Type.String({ description: 'The same text whatever the tokens were, so the endpoint cannot tell anyone whether a token exists.' }) },
  { additionalProperties: false },
)
