import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { LRUCache } from 'lru-cache'

/** How long a key endpoint may take: GitHub waits 30 s for the whole alert. */
const FETCH_TIMEOUT_MS = 5000
const MAX_KEYS_DOCUMENT_BYTES = 256 * 1024

export interface PublicKeyDirectoryOptions {
  /** Where the scanner publishes its keys (`{ public_keys: [{ key_identifier, key, is_current }] }`); null: none trusted. */
  readonly url: string | null
  readonly fetch?: typeof fetch
  /** Told when the key endpoint cannot be read (it never turns into acceptance). */
  readonly onFetchError?: (error: unknown) => void
}

/**
 * The signing keys a secret-scanning partner publishes, fetched with a timeout and cached.
 * An identifier not in the cache triggers one refetch (the partner rotated its key); an
 * identifier still unknown after that is remembered for a while, so a stream of made-up
 * identifiers cannot turn us into a client hammering the partner. Only ECDSA P-256 keys are
 * kept: the protocol signs with ECDSA over P-256 and SHA-256, and nothing else is accepted.
 */
export class PublicKeyDirectory {
  private keys = new Map<string, KeyObject>()
  private refreshing: Promise<boolean> | null = null
  private readonly unknown = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 })

  constructor(private readonly options: PublicKeyDirectoryOptions) {}

  /** True only when `signature` (base64 DER) over `body` verifies with the key named `identifier`. */
  async verify(identifier: string, signature: string, body: Buffer): Promise<boolean> {
    const key = await this.find(identifier)
    if (key === null) return false
    try {
      return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'))
    } catch {
      return false
    }
  }

  private async find(identifier: string): Promise<KeyObject | null> {
    const cached = this.keys.get(identifier)
    if (cached !== undefined) return cached
    if (this.options.url === null || this.unknown.has(identifier)) return null
    // One fetch at a time, shared by every alert waiting on it.
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null
    })
    const fetched = await this.refreshing
    const found = this.keys.get(identifier) ?? null
    // Only a document read in full proves an identifier unknown; a failed fetch is retried.
    if (found === null && fetched) this.unknown.set(identifier, true)
    return found
  }

  /** True when the endpoint answered with a key document. */
  private async refresh(): Promise<boolean> {
    try {
      const response = await (this.options.fetch ?? fetch)(this.options.url as string, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      })
      if (!response.ok) throw new Error(`the key endpoint answered ${response.status}`)
      const text = await response.text()
      if (text.length > MAX_KEYS_DOCUMENT_BYTES) throw new Error('the key document is too large')
      this.keys = parseKeys(JSON.parse(text) as unknown)
      this.unknown.clear()
      return true
    } catch (error) {
      // Keys fetched before stay usable; an unreachable endpoint only means no new ones.
      this.options.onFetchError?.(error)
      return false
    }
  }
}

function parseKeys(document: unknown): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>()
  const list = typeof document === 'object' && document !== null ? (document as { public_keys?: unknown }).public_keys : undefined
  if (!Array.isArray(list)) throw new Error('the key document has no public_keys array')
  for (const entry of list as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue
    const { key_identifier: identifier, key: pem } = entry as { key_identifier?: unknown; key?: unknown }
    if (typeof identifier !== 'string' || typeof pem !== 'string') continue
    try {
      const key = createPublicKey(pem)
      if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') keys.set(identifier, key)
    } catch {
      // A key we cannot read verifies nothing.
    }
  }
  return keys
}
