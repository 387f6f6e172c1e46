import { randomFillSync } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

/** UUID v7: time-ordered, so ids sort by creation and index well. */
export function newId(): string {
  return uuidv7()
}

const REQUEST_ID_BYTES = 16
const POOL_IDS = 256
const pool = Buffer.alloc(REQUEST_ID_BYTES * POOL_IDS)
let pooled = POOL_IDS

/**
 * `req_` and 32 hex characters (128 random bits): unguessable, so it can be shown to users.
 * This runs on every request, so the bits come from a pool refilled from the CSPRNG once per
 * 256 ids (as `randomUUID` does), and are hex-encoded straight from it. Each byte is used once.
 */
export function newRequestId(): string {
  if (pooled === POOL_IDS) {
    randomFillSync(pool)
    pooled = 0
  }
  const start = pooled * REQUEST_ID_BYTES
  pooled += 1
  return `req_${pool.toString('hex', start, start + REQUEST_ID_BYTES)}`
}
