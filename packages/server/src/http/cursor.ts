import { ApiError } from '@brandwave/core'

/*
 * List cursors are opaque to callers (SPEC §3). Inside: the keyset position of the last
 * item, a sequence number or an id. Tampering gains nothing: the position only selects
 * within what the caller may see.
 */

type Position = number | string

export function encodeCursor(after: Position | null): string | null {
  return after === null ? null : Buffer.from(JSON.stringify({ v: 1, after })).toString('base64url')
}

export function decodeCursor(cursor: string | undefined, kind: 'seq'): number | null
export function decodeCursor(cursor: string | undefined, kind: 'id'): string | null
export function decodeCursor(cursor: string | undefined, kind: 'seq' | 'id'): Position | null {
  if (cursor === undefined) return null
  let after: unknown
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (typeof value === 'object' && value !== null && (value as { v?: unknown }).v === 1) after = (value as { after?: unknown }).after
  } catch {
    // any undecodable cursor is the caller's mistake: refused below
  }
  if (kind === 'seq' && typeof after === 'number' && Number.isSafeInteger(after) && after > 0) return after
  if (kind === 'id' && typeof after === 'string' && after.length > 0 && after.length <= 64) return after
  throw new ApiError('validation_failed', 'The cursor is not valid; use nextCursor from the previous page.', { details: [{ field: 'cursor', message: 'is not a cursor this API issued' }] })
}
