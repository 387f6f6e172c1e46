/**
 * A version of "everything that can deny access" (credentials, sessions, memberships).
 * It changes, before a revocation, logout, demotion or removal is acknowledged, wherever
 * the deployment keeps it; a cache entry read under one version is never used under
 * another. Strict revocation rests on this (docs/architecture.md).
 */
export type Version = number | string

export interface AccessVersion {
  /** The current version, or null when it cannot be known now: then no cache may be used. */
  read(): Version | null | Promise<Version | null>
  /** Moves the version on; called after a change that can deny access has committed. */
  bump(): Promise<void>
}

/**
 * For the embedded database: a counter for this process's own changes, plus SQLite's
 * `PRAGMA data_version`, which moves whenever another process (a worker, the CLI)
 * commits. Both only grow; 2^26 local changes fit before they could collide.
 */
export function localAccessVersion(externalWriteVersion: () => number): AccessVersion {
  let local = 0
  return {
    read: () => local * 0x4000000 + externalWriteVersion(),
    bump: () => {
      local += 1
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
  bump: () => Promise.resolve(),
}
