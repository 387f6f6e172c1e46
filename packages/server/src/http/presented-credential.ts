import type { IncomingHttpHeaders } from 'node:http'

/** What a request offers as its credential (SPEC §3: three headers, never the URL). */
export type PresentedCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  /** `Authorization` with a scheme other than Bearer. */
  | { readonly kind: 'unsupported_scheme' }
  /** Different credentials in different headers: refusing is safer than picking one. */
  | { readonly kind: 'ambiguous' }

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i

/**
 * Reads `Authorization: Bearer …`, `X-API-Key` and `Api-Token`.
 *
 * @example
 * presentedCredential({ 'x-api-key': 'bw_live_…' }) // { kind: 'token', token: 'bw_live_…' }
 */
export function presentedCredential(headers: IncomingHttpHeaders): PresentedCredential {
  const found: string[] = []
  const authorization = headers.authorization
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization)
    if (match === null) return { kind: 'unsupported_scheme' }
    found.push(match[1]!)
  }
  for (const name of ['x-api-key', 'api-token'] as const) {
    const value = headers[name]
    if (value === undefined) continue
    if (Array.isArray(value)) return { kind: 'ambiguous' }
    found.push(value.trim())
  }
  if (found.length === 0) return { kind: 'none' }
  if (found.some((token) => token !== found[0])) return { kind: 'ambiguous' }
  return { kind: 'token', token: found[0]! }
}

const CREDENTIAL_PARAMETER_NAMES = new Set([
  'access_token', 'accesstoken', 'token', 'api_key', 'apikey', 'api-key', 'x-api-key', 'api_token', 'apitoken',
  'api-token', 'refresh_token', 'authorization', 'bearer', 'key', 'secret', 'password',
])
// Anchored so that it can only start where a token could (not inside a run of word
// characters): a hostile `eyJeyJeyJ…` would otherwise be rescanned from each of its thousands
// of `eyJ`s, quadratic in the length of the query string; this way it stays linear.
const JWT_LIKE = /(?<![\w-])eyJ[\w-]{8,}\.[\w-]{8,}\./

/**
 * The query parameter that carries a credential, if any: a credential-like name, or a
 * value that is a whole token of this deployment or a JWT. URLs end up in logs, proxies
 * and browser history, so such a request is refused rather than served (SPEC §3).
 */
export function credentialInQuery(url: string, tokenPrefix: string): string | null {
  const queryStart = url.indexOf('?')
  if (queryStart < 0) return null
  const wholeToken = new RegExp(`${tokenPrefix}_(live|test|at|rt)_[0-9A-Za-z]{36}`)
  let params: URLSearchParams
  try {
    params = new URLSearchParams(url.slice(queryStart + 1))
  } catch {
    return null
  }
  for (const [name, value] of params) {
    if (CREDENTIAL_PARAMETER_NAMES.has(name.toLowerCase()) || wholeToken.test(value) || JWT_LIKE.test(value)) return name
  }
  return null
}
