import type { ErrorCode, Scope } from '@brandwave/core'
import type { TObject, TSchema } from 'typebox'

/**
 * Who may call an operation:
 * - `none`: anyone (login, signup, health);
 * - `any`: any authenticated principal (session, PAT, API key, OAuth token);
 * - `user`: a principal acting as a user (session, PAT, OAuth token), never an API key;
 * - `session`: an interactive session only (password change, 2FA);
 * - `optional-session`: a session when a valid one is presented, else none; the handler
 *   decides (logout, which also works with only the refresh token once the access token expired).
 */
export type Authentication = 'none' | 'any' | 'user' | 'session' | 'optional-session'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * One HTTP operation, declared once: the server registers it (validation, auth, scope),
 * `/openapi.json` documents it, and the SDK's types come from it.
 */
export interface Operation {
  readonly operationId: string
  readonly method: HttpMethod
  /** Absolute, with Fastify-style `:params`; `/v1/…` paths also answer under `/api/v1/…`. */
  readonly path: string
  readonly summary: string
  readonly description?: string
  readonly tag: string
  readonly authentication: Authentication
  /** The scope the principal must hold; omitted when authentication alone suffices. */
  readonly scope?: Scope
  readonly params?: TObject
  readonly query?: TObject
  /** Required of every state-changing operation (use `NoBody`): only validated bodies reach handlers and the idempotency hash. */
  readonly body?: TSchema
  /** Whether the body may be omitted altogether (e.g. rotate with every option defaulted). */
  readonly bodyOptional?: boolean
  /** Success responses by status. Error responses share one schema (`ErrorBody`). */
  readonly responses: { readonly [status: number]: TSchema }
  /** Error codes this operation can answer with, besides the ones every operation can. */
  readonly errors: readonly ErrorCode[]
  /**
   * A retired secret (rotated, then revoked or past its grace period) presented to authenticate
   * this operation is reuse: a client rotating with a secret it already rotated means two
   * parties hold it, so its whole rotation family is revoked (GitLab's reuse detection).
   * Elsewhere a retired secret is a plain 401, so a client lagging behind a rotation cannot
   * take the new key down with it. The one exception is the client's own retry: a key that
   * rotated itself, presenting the Idempotency-Key of that rotation within 10 minutes, gets its
   * response replayed (the operation must take Idempotency-Key).
   */
  readonly detectsReuse?: true
  /**
   * A POST that changes nothing a retry could do twice (it may count toward a rate limit):
   * it is a POST only so that what it reads travels in the body, not the URL. It takes no
   * Idempotency-Key, so its answer is never replayed: a retry reads afresh.
   */
  readonly readOnly?: true
  /**
   * False for the account-token compatibility surface, whose documented bodies are bare objects
   * and arrays; everything else is wrapped in `{ data, meta }` or the list envelope.
   */
  readonly envelope?: false
}

/** Keeps the literal types of an operation so handlers and the SDK are typed from it. */
export function defineOperation<const O extends Operation>(operation: O): O {
  return operation
}
