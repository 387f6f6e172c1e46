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
