import { randomUUID } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

/** UUID v7: time-ordered, so ids sort by creation and index well. */
export function newId(): string {
  return uuidv7()
}

/**
 * `req_` and 32 hex characters (a random UUID's 122 bits): unguessable, so it can be shown
 * to users. `randomUUID` draws from a pre-filled entropy pool: this runs on every request.
 */
export function newRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '')}`
}
