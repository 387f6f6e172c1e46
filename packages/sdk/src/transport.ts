import { BrandwaveConnectionError, BrandwaveRateLimitError, errorClassFor, type BrandwaveError, type ErrorCode, type ErrorDetail } from './errors.js'
import { routes, type RoutedOperation } from './routes.js'
import type { ResponseOf, TokenPair } from './types.js'

/**
 * How a {@link Brandwave} client reaches the API, and as whom.
 *
 * @example
 * const options: BrandwaveOptions = { baseUrl: 'https://auth.example.com', token: process.env.BRANDWAVE_TOKEN, maxRetries: 3 }
 */
export interface BrandwaveOptions {
  /** A personal access token, an API key, or a session's access token. */
  readonly token?: string
  /**
   * A session's refresh token. With it, a call answered 401 (the 15-minute access token
   * expired) refreshes the pair once, transparently, and is retried.
   */
  readonly refreshToken?: string
  /** Where Brandwave is served, e.g. `https://auth.example.com` (default `http://localhost:3000`). */
  readonly baseUrl?: string
  /** Retries of a call that failed on the network, with 429, 5xx or 409 `idempotency_in_progress` (default 2). */
  readonly maxRetries?: number
  /** The longest `Retry-After` honoured before giving up instead (default 60 000 ms). */
  readonly maxRetryDelayMs?: number
  /**
   * For pages served by Brandwave itself (the dashboard): the session's refresh token lives in
   * an HttpOnly cookie the page cannot read, so a call answered 401 refreshes through that
   * cookie (`auth.browserSession`) instead of a `refreshToken` held here.
   */
  readonly sessionCookie?: boolean
  /** Called with every new token pair (sign-in, refresh), to persist it. */
  readonly onTokens?: (tokens: TokenPair) => void | Promise<void>
  /** A `fetch` to use instead of the platform's (a proxy-aware one, a test double). */
  readonly fetch?: typeof fetch
}

/**
 * Per-call options.
 *
 * @example
 * await bw.apiKeys.revoke({ id }, { idempotencyKey: `revoke-${id}`, signal: AbortSignal.timeout(5000) })
 */
export interface RequestOptions {
  /** For state-changing calls: reuse this key (one per logical operation) instead of a fresh one. */
  readonly idempotencyKey?: string
  readonly signal?: AbortSignal
  /** Overrides the client's `maxRetries` for this call. */
  readonly maxRetries?: number
}

interface CallInput {
  readonly params?: Readonly<Record<string, string | number>> | undefined
  readonly query?: Readonly<Record<string, unknown>> | undefined
  readonly body?: unknown
}

interface ErrorEnvelope {
  error?: { code?: ErrorCode; message?: string; details?: ErrorDetail[] }
  meta?: { request_id?: string }
}

/** Calls that establish or end a session are never retried through a refresh. */
const SESSION_CALLS = new Set<RoutedOperation>(['login', 'refreshSession', 'logout', 'signup', 'startBrowserSession', 'refreshBrowserSession'])

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason as Error)
    }, { once: true })
  })
}

/** Exponential backoff with full jitter: 250 ms, 500 ms, 1 s … up to 8 s. */
function backoff(attempt: number): number {
  return Math.round(Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2))
}

/** A proxy's HTML error page is not JSON: it reads as "no body", and the status decides. */
function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID()
}

/**
 * Sends one operation: path and query from the route table, the credential, an
 * Idempotency-Key for state-changing calls (the same on every retry, so a retry never does
 * the thing twice), bounded retries, one transparent session refresh, typed errors.
 */
export class Transport {
  private token: string | undefined
  private refreshToken: string | undefined
  private refreshing: Promise<boolean> | undefined
  private readonly baseUrl: string
  private readonly fetch: typeof fetch

  constructor(private readonly options: BrandwaveOptions) {
    this.token = options.token
    this.refreshToken = options.refreshToken
    this.baseUrl = (options.baseUrl ?? 'http://localhost:3000').replace(/\/+$/, '')
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  /** Adopts a new token pair (sign-in, refresh) and tells `onTokens`. */
  async adopt(tokens: TokenPair): Promise<void> {
    this.token = tokens.accessToken
    this.refreshToken = tokens.refreshToken
    await this.options.onTokens?.(tokens)
  }

  /** The refresh token of the current session, if the client holds one. */
  get heldRefreshToken(): string | undefined {
    return this.refreshToken
  }

  /** Adopts the access token of a cookie-backed session; its refresh token is not ours to hold. */
  adoptAccessToken(accessToken: string): void {
    this.token = accessToken
  }

  forgetSession(): void {
    this.token = undefined
    this.refreshToken = undefined
  }

  private url(name: RoutedOperation, input: CallInput): string {
    const path = routes[name].path.replace(/:(\w+)/g, (_, key: string) => {
      const value = input.params?.[key]
      if (value === undefined) throw new TypeError(`${name}: missing path parameter "${key}"`)
      return encodeURIComponent(String(value))
    })
    const query = new URLSearchParams()
    for (const [key, value] of Object.entries(input.query ?? {})) {
      // Query values are strings, numbers and booleans; JSON spells the latter two as the API reads them.
      if (value !== undefined && value !== null) query.set(key, typeof value === 'string' ? value : JSON.stringify(value))
    }
    const search = query.toString()
    return `${this.baseUrl}${path}${search === '' ? '' : `?${search}`}`
  }

  async call<N extends RoutedOperation>(name: N, input: CallInput = {}, options: RequestOptions = {}): Promise<ResponseOf<N>> {
    const route: { readonly method: string; readonly readOnly?: true } = routes[name]
    const { method } = route
    // Reads (GETs, and read-only POSTs such as verifying a key) are retried as they are: the server never replays them.
    const idempotencyKey = method === 'GET' || route.readOnly === true ? undefined : (options.idempotencyKey ?? newIdempotencyKey())
    const maxRetries = options.maxRetries ?? this.options.maxRetries ?? 2
    let refreshed = false

    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json' }
      if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey
      if (input.body !== undefined) headers['content-type'] = 'application/json'

      let response: Response
      try {
        response = await this.fetch(this.url(name, input), {
          method,
          headers,
          ...(input.body !== undefined && { body: JSON.stringify(input.body) }),
          ...(options.signal !== undefined && { signal: options.signal }),
        })
      } catch (cause) {
        if (options.signal?.aborted) throw cause
        if (attempt < maxRetries) {
          await sleep(backoff(attempt), options.signal)
          continue
        }
        throw new BrandwaveConnectionError({ status: 0, code: 'connection_failed', message: `Could not reach Brandwave at ${this.baseUrl}.`, requestId: null, cause })
      }

      const body = parseJson(await response.text())
      if (response.ok) return body as ResponseOf<N>

      const error = this.errorFrom(response, body as ErrorEnvelope | undefined)
      // Only a refused access token is worth a refresh: a wrong current password (401
      // `invalid_credentials`, step-up) is the caller's to correct, not the session's.
      if (response.status === 401 && error.code === 'unauthorized' && !refreshed && (this.refreshToken !== undefined || this.options.sessionCookie === true) && !SESSION_CALLS.has(name)) {
        refreshed = true
        if (await this.refreshOnce()) {
          attempt -= 1 // a refresh is not a retry
          continue
        }
        throw error
      }
      const wait = this.retryDelay(response, error, attempt)
      if (wait === null || attempt >= maxRetries) throw error
      await sleep(wait, options.signal)
    }
  }

  /** How long to wait before retrying, or null when this failure is not worth retrying. */
  private retryDelay(response: Response, error: BrandwaveError, attempt: number): number | null {
    const retryable = response.status === 429 || response.status >= 500 || error.code === 'idempotency_in_progress'
    if (!retryable) return null
    const retryAfter = Number(response.headers.get('retry-after'))
    if (Number.isFinite(retryAfter) && retryAfter > 0) {
      const ms = retryAfter * 1000
      return ms > (this.options.maxRetryDelayMs ?? 60_000) ? null : ms
    }
    return backoff(attempt)
  }

  /** One refresh at a time: concurrent calls that all got 401 share it. */
  private refreshOnce(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        if (this.options.sessionCookie === true) {
          const result = await this.call('refreshBrowserSession', {}, { maxRetries: 0 })
          this.adoptAccessToken(result.data.accessToken)
          return true
        }
        const refreshToken = this.refreshToken
        if (refreshToken === undefined) return false
        const result = await this.call('refreshSession', { body: { refreshToken } }, { maxRetries: 0 })
        await this.adopt(result.data)
        return true
      } catch {
        return false
      } finally {
        this.refreshing = undefined
      }
    })()
    return this.refreshing
  }

  private errorFrom(response: Response, body: ErrorEnvelope | undefined): BrandwaveError {
    const init = {
      status: response.status,
      code: body?.error?.code ?? 'internal_error',
      message: body?.error?.message ?? `Brandwave answered ${response.status}.`,
      requestId: body?.meta?.request_id ?? response.headers.get('x-request-id'),
      details: body?.error?.details ?? [],
    } as const
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'))
      return new BrandwaveRateLimitError({ ...init, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null })
    }
    const ErrorClass = errorClassFor(response.status)
    return new ErrorClass(init)
  }
}
