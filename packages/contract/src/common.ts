import { ERROR_CODES } from '@brandwave/core'
import Type, { type Static, type TSchema, type TUnsafe } from 'typebox'

/** IDs are UUIDs (v7, time-ordered). */
export const Uuid = Type.String({ format: 'uuid', description: 'UUID (v7).', examples: ['01936f0e-8a5e-7cc2-9d2b-3f4e5a6b7c8d'] })
/** Times are ISO 8601 in UTC. */
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 date-time, UTC.', examples: ['2026-11-23T09:30:00.000Z'] })

/**
 * `T | null`. For any schema with one `type` (objects and arrays too), `type: [T, "null"]`
 * rather than `anyOf`: the same JSON Schema meaning, but response serialization need not
 * validate the value against each branch on every response (fast-json-stringify runs
 * Ajv for `anyOf`: a whole credential, formats included, on every `POST /v1/keys/verify`).
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const type = (schema as { type?: unknown }).type
  if (typeof type === 'string') return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] })
  return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]))
}

/**
 * A display name: 1–100 characters with at least one that is not a space, no control
 * characters, and no bidirectional controls (U+202E and friends make `exe.txt` display as
 * `txt.exe`): names end up in dashboards, audit logs, emails and terminal output.
 */
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^(?=.*\\S)[^\\u0000-\\u001F\\u007F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069]+$',
  examples: ['My Campaign'],
})

/**
 * Free text that ends up in a query (a search, an email to look up): no control characters,
 * which some databases cannot even hold (PostgreSQL refuses NUL).
 */
export function PlainText(options: { minLength?: number; maxLength: number; description?: string }) {
  return Type.String({ minLength: options.minLength ?? 1, maxLength: options.maxLength, pattern: '^[^\\u0000-\\u001F\\u007F]*$', ...(options.description !== undefined && { description: options.description }) })
}

/** The body of an operation that takes none: absent, or `{}` from clients that always send one. */
export const NoBody = Type.Object({}, { additionalProperties: false, description: 'No body (or an empty object).' })

export const Meta = Type.Object({ request_id: Type.String({ examples: ['req_01JD3X6Y7Z'] }) }, { additionalProperties: false })

/** The success envelope of SPEC §3: `{ data, meta }`. */
export function Data<T extends TSchema>(data: T) {
  return Type.Object({ data, meta: Meta }, { additionalProperties: false })
}

export const ErrorDetailSchema = Type.Object(
  {
    field: Type.String({ description: 'Where the problem is: a JSON pointer into the body, or a header or query parameter name.' }),
    message: Type.String(),
    reason: Type.Optional(
      Type.String({ description: 'Machine-readable cause where there is one, e.g. why a credential was refused: `MALFORMED`, `NOT_FOUND`, `EXPIRED`, `REVOKED`, `IP_NOT_ALLOWED`.' }),
    ),
  },
  { additionalProperties: false },
)

/** The error envelope of SPEC §3. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.Enum([...ERROR_CODES], { description: 'Stable, machine-readable; the message is for humans and may change.' }),
        message: Type.String(),
        details: Type.Array(ErrorDetailSchema),
      },
      { additionalProperties: false },
    ),
    meta: Meta,
  },
  { additionalProperties: false, $id: 'ErrorBody' },
)
export type ErrorBody = Static<typeof ErrorBody>

export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1–100.' })
export const Cursor = Type.String({ minLength: 1, maxLength: 512, description: 'Opaque; copy `nextCursor` from the previous page.' })

/** The list envelope of SPEC §3, with facets counted over the filtered set. */
export function Page<T extends TSchema, F extends TSchema>(item: T, facets: F) {
  return Type.Object(
    {
      items: Type.Array(item),
      totalCount: Type.Integer({ minimum: 0, description: 'How many items match the filters, across all pages.' }),
      facets,
      nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page.' })),
      meta: Meta,
    },
    { additionalProperties: false },
  )
}
