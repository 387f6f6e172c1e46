import { LRUCache } from 'lru-cache'
import type { Version } from '../shared-state/access-version.js'

interface Entry<V> {
  readonly value: V
  readonly version: Version
}

/**
 * Warm lookups for the verification path, each valid only under the access version it was
 * read under. Callers read the version *before* their storage read and store the result
 * under that version, so a change committed during the read leaves the entry unusable.
 */
export class VerificationCache<V extends object> {
  private readonly entries: LRUCache<string, Entry<V>>

  constructor(options: { readonly maxEntries: number; readonly ttlMs: number }) {
    this.entries = new LRUCache({ max: options.maxEntries, ttl: options.ttlMs, ttlAutopurge: false })
  }

  /** The entry whatever its version: only to start work that is valid either way (counting a request). */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value
  }

  get(key: string, version: Version | null): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (version === null || entry.version !== version) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set(key: string, value: V, version: Version | null): void {
    if (version !== null) this.entries.set(key, { value, version })
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}

/** A value that records the access version it was read under (a warm credential). */
export interface Versioned {
  cachedUnder: Version
}

/**
 * The same contract as `VerificationCache`, for values that carry their version themselves:
 * one object less per entry, which counts when a million credentials are warm.
 */
export class VersionedCache<V extends Versioned> {
  private readonly entries: LRUCache<string, V>

  constructor(options: { readonly maxEntries: number; readonly ttlMs: number }) {
    this.entries = new LRUCache({ max: options.maxEntries, ttl: options.ttlMs, ttlAutopurge: false })
  }

  /** The entry whatever its version: only to start work that is valid either way (counting a request). */
  peek(key: string): V | undefined {
    return this.entries.get(key)
  }

  get(key: string, version: Version | null): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (version === null || entry.cachedUnder !== version) {
      this.entries.delete(key)
      return undefined
    }
    return entry
  }

  /** `value` is filed under `version` (its own, from now on); nothing is kept when the version is unknown. */
  set(key: string, value: V, version: Version | null): void {
    if (version === null) return
    value.cachedUnder = version
    this.entries.set(key, value)
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}

/**
 * Well-formed keys that storage did not hold, each under the access version read before
 * that storage read, so a flood of made-up keys costs one read per distinct key, not one per
 * request. Bounded (LRU): a flood of distinct keys only evicts other unknown keys, never a
 * warm credential. Why a key issued later can never be found here, and why this stays
 * strict: docs/architecture.md, "Unknown keys".
 */
export class UnknownKeyCache {
  private readonly keys: LRUCache<string, Version>

  constructor(options: { readonly maxEntries: number; readonly ttlMs: number }) {
    this.keys = new LRUCache({ max: options.maxEntries, ttl: options.ttlMs, ttlAutopurge: false })
  }

  /** Whether storage held no such key when last read, under this same version. */
  has(key: string, version: Version | null): boolean {
    return version !== null && this.keys.get(key) === version
  }

  add(key: string, version: Version | null): void {
    if (version !== null) this.keys.set(key, version)
  }

  delete(key: string): void {
    this.keys.delete(key)
  }

  clear(): void {
    this.keys.clear()
  }

  get size(): number {
    return this.keys.size
  }
}
