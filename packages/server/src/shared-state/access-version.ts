/**
 * A version of "everything that can deny access" (credentials, sessions, memberships).
 * It changes, before a revocation, logout, demotion or removal is acknowledged, wherever
 * the deployment keeps it; a cache entry read under one version is never used under
 * another. Strict revocation rests on this (docs/architecture.md).
 */
export type Version = number | string

export interface AccessVersion {
  /**
   * The current version, or null when it cannot be known now: then no cache may be used.
   * `arrival` is the number the request being checked got when it arrived (`arrive()`).
   */
  read(arrival?: number): Version | null | Promise<Version | null>
  /** The same, for versions that never need I/O: lets a warm request be checked without awaiting. */
  readonly readNow?: (arrival?: number) => Version | null
  /** Reading costs enough, and one read serves every request that arrived before it: check requests in batches. */
  readonly perBatch?: boolean
  /**
   * The Redis key holding the version, while this instance may trust what it says (null
   * otherwise): a script can then check the version in the same step as its own work.
   */
  readonly sharedKey?: () => string | null
  /**
   * Whether `version` is the current one kept in this process without asking Redis (the
   * fence of `RedisAccessVersion`): a script then need not check `sharedKey` itself.
   */
  readonly inProcess?: (version: Version) => boolean
  /** Moves the version on; called after a change that can deny access has committed. */
  bump(): Promise<void>
}

let arrivals = 0

/**
 * Numbers a request as it arrives: called by the first hook of every request, which runs
 * in the same synchronous step in which Node parsed the request's head from the socket.
 * Numbers grow in the order requests reached this process, whichever app they are for.
 */
export function arrive(): number {
  arrivals += 1
  return arrivals
}

/** The number the latest request got: every request numbered up to it has arrived. */
export function lastArrival(): number {
  return arrivals
}

/**
 * For the embedded database: a counter for this process's own changes, plus SQLite's
 * `PRAGMA data_version`, which moves whenever another process (a worker, the CLI)
 * commits. Both only grow; 2^26 local changes fit before they could collide.
 *
 * Reading `data_version` costs about 2.5 µs, as much as the rest of a warm check. A read
 * made after request N arrived also serves every request numbered N or lower: a commit
 * acknowledged before such a request was sent happened before its head reached us, so
 * before that read (docs/architecture.md, "One data_version read for many requests").
 * A request without a number (a call from inside the process) always reads afresh.
 * Without `externalWriteVersion` (no other process writes, or `BRANDWAVE_REVOCATION=cached`)
 * only this process's own changes count.
 */
export function localAccessVersion(externalWriteVersion: (() => number) | null): AccessVersion {
  let local = 0
  let external = 0
  // Kept, not recomputed per call: past 2^31 it is a heap number, and each warm entry holds the one it was read under.
  let version: Version = 0
  /** Every request numbered up to this had arrived when `external` was read. */
  let readAfter = 0
  const readNow = (arrival?: number): Version => {
    if (externalWriteVersion !== null && (arrival === undefined || arrival > readAfter)) {
      const now = externalWriteVersion()
      readAfter = arrivals
      if (now !== external) {
        external = now
        version = local * 0x4000000 + external
      }
    }
    return version
  }
  return {
    read: readNow,
    readNow,
    perBatch: externalWriteVersion !== null,
    bump: () => {
      local += 1
      version = local * 0x4000000 + external
      return Promise.resolve()
    },
  }
}

/**
 * For a database other processes write to unseen (PostgreSQL without Redis): no version
 * can be trusted, so every check reads the database.
 */
export const unknowableAccessVersion: AccessVersion = {
  read: () => null,
  readNow: () => null,
  bump: () => Promise.resolve(),
}
