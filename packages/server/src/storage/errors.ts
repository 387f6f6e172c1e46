/**
 * What a driver error means for the request that caused it, whichever database raised it:
 * - `unavailable`: the database or its pool cannot be reached (retry shortly);
 * - `unstorable`: a value the database cannot hold (PostgreSQL's class 22, e.g. NUL in text);
 * - `duplicate`: a uniqueness race two requests lost to each other (an email signed up twice at once).
 * Null for anything else: a bug, not the caller's doing.
 */
export type StorageFailure = 'unavailable' | 'unstorable' | 'duplicate'

/** Network failures of the database or its pool, as pg reports them in messages only. */
const UNREACHABLE = /Connection terminated|timeout exceeded when trying to connect|Connection ended unexpectedly|Client has encountered a connection error|connect ECONNREFUSED/

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'SQLITE_BUSY', 'SQLITE_LOCKED'])

export function classifyStorageError(error: unknown): StorageFailure | null {
  if (typeof error !== 'object' || error === null) return null
  const message = 'message' in error && typeof error.message === 'string' ? error.message : ''
  if (UNREACHABLE.test(message)) return 'unavailable'
  if (!('code' in error) || typeof error.code !== 'string') return null
  const code = error.code
  // SQLSTATE 08 (connection exception) and 57P (operator intervention: shutdown, crash).
  const postgres = 'severity' in error && /^[0-9A-Z]{5}$/.test(code)
  if (UNAVAILABLE_CODES.has(code) || (postgres && (code.startsWith('08') || code.startsWith('57P')))) return 'unavailable'
  if (postgres && code.startsWith('22')) return 'unstorable'
  if ((postgres && code === '23505') || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'duplicate'
  return null
}
