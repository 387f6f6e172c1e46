import { randomUUID } from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'

/*
 * argon2id with the library's defaults, which are OWASP's recommended minimum
 * (19 MiB memory, 2 passes, 1 lane). Hashing runs on libuv's thread pool, off the event loop.
 */

export function hashPassword(password: string): Promise<string> {
  return hash(password)
}

/** A hash of a random password, verified when the email is unknown so both paths cost the same. */
let decoyHash: Promise<string> | undefined

/**
 * Verifies a password; `storedHash` null means "no such user", which still spends the time
 * of a real verification so response timing does not reveal which emails exist.
 *
 * @example
 * const ok = await verifyPassword(user?.password_hash ?? null, body.password)
 */
export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  if (storedHash === null) {
    decoyHash ??= hash(randomUUID())
    await verify(await decoyHash, password).catch(() => false)
    return false
  }
  return verify(storedHash, password).catch(() => false)
}
