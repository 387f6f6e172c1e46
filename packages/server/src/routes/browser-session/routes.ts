import { ApiError, ERROR_CATALOGUE, type ErrorCode } from '@brandwave/core'
import { endBrowserSession, refreshBrowserSession, startBrowserSession, switchBrowserSession, type Operation } from '@brandwave/contract'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import type { Authenticator } from '../../auth/authenticator.js'
import type { SessionPrincipal } from '../../auth/principal.js'
import { authenticationHook } from '../../http/authentication-hook.js'
import type { RequestContext } from '../../request-context.js'
import type { SessionService, TokenPair } from '../../sign-in/sessions.js'

export const REFRESH_COOKIE = 'brandwave_refresh'

/**
 * The dashboard's sessions (SPEC §12). Page scripts get the access token only; the refresh
 * token travels in a cookie that scripts cannot read (HttpOnly), that other sites' requests
 * do not carry (SameSite=Strict), and that only these paths receive. Because a cookie is sent
 * whoever wrote the page, every request here must also come from a page of this server
 * (Origin), which stops login CSRF and a cross-site refresh alike.
 *
 * These routes are not idempotent replays: a replay could not repeat the Set-Cookie, and a
 * refresh token is single use anyway (presenting a used one ends the session).
 */
export function browserSessionRoutes(app: FastifyInstance, { sessions, authenticator }: { sessions: SessionService; authenticator: Authenticator }): void {
  for (const prefix of ['', '/api']) {
    const hidden = prefix !== ''
    const cookiePath = `${prefix}${startBrowserSession.path}`

    route(app, startBrowserSession, prefix, hidden, [sameOrigin], async (request, reply) => {
      const pair = await sessions.login(request.body as Parameters<SessionService['login']>[0], context(request))
      // A sign-in replaces the browser's session (ASVS 5.0 7.2.4): the one its cookie still
      // names ends, rather than living on unseen. Whatever that cookie was, the sign-in stands.
      const previous = readCookie(request.headers.cookie, REFRESH_COOKIE)
      if (previous !== undefined) await sessions.logoutWithRefreshToken(previous, context(request)).catch(() => undefined)
      return issue(request, reply, pair, cookiePath)
    })

    route(app, refreshBrowserSession, prefix, hidden, [sameOrigin], async (request, reply) => {
      const presented = readCookie(request.headers.cookie, REFRESH_COOKIE)
      if (presented === undefined) throw new ApiError('unauthorized', 'No session cookie: sign in again.')
      try {
        return issue(request, reply, await sessions.refresh(presented, context(request)), cookiePath)
      } catch (error) {
        // A dead refresh token stays dead: the browser should stop sending it.
        void reply.header('set-cookie', cookie(request, '', cookiePath, 0))
        throw error
      }
    })

    route(app, switchBrowserSession, prefix, hidden, [sameOrigin, authenticationHook(authenticator, switchBrowserSession)], async (request, reply) => {
      const { organizationId } = request.body as { organizationId: string }
      return issue(request, reply, await sessions.switchOrganization(request.principal as SessionPrincipal, organizationId, context(request)), cookiePath)
    })

    route(app, endBrowserSession, prefix, hidden, [sameOrigin, authenticationHook(authenticator, endBrowserSession)], async (request, reply) => {
      const ended = await sessions.logout(request.principal as SessionPrincipal, context(request))
      void reply.header('set-cookie', cookie(request, '', cookiePath, 0))
      return ended
    })
  }
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>

function route(app: FastifyInstance, operation: Operation, prefix: string, hidden: boolean, onRequest: onRequestHookHandler[], handler: Handler): void {
  const errors = new Set<ErrorCode>(['validation_failed', 'internal_error', ...operation.errors, ...(operation.authentication === 'none' ? [] : (['unauthorized'] as const))])
  const errorResponses = Object.fromEntries([...errors].map((code) => [ERROR_CATALOGUE[code].status, { $ref: 'ErrorBody#' }]))
  app.route({
    method: operation.method,
    url: `${prefix}${operation.path}`,
    schema: {
      operationId: operation.operationId,
      summary: operation.summary,
      ...(operation.description !== undefined && { description: operation.description }),
      tags: [operation.tag],
      security: operation.authentication === 'none' ? [] : [{ bearer: [] }],
      hide: hidden,
      ...(operation.body !== undefined && { body: operation.body }),
      response: { ...operation.responses, ...errorResponses },
    },
    onRequest,
    ...(operation.bodyOptional === true && {
      preValidation: (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
        request.body ??= {}
        done()
      },
    }),
    handler: async (request, reply) => ({ data: await handler(request, reply), meta: { request_id: request.id } }),
  })
}

function context(request: FastifyRequest): RequestContext {
  return { requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] ?? null }
}

function issue(request: FastifyRequest, reply: FastifyReply, pair: TokenPair, path: string) {
  void reply.header('set-cookie', cookie(request, pair.refreshToken, path, pair.refreshExpiresIn))
  return { accessToken: pair.accessToken, tokenType: pair.tokenType, expiresIn: pair.expiresIn }
}

function cookie(request: FastifyRequest, value: string, path: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : ''
  return `${REFRESH_COOKIE}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=')
    if (separator !== -1 && part.slice(0, separator).trim() === name) {
      const value = part.slice(separator + 1).trim()
      return value === '' ? undefined : value
    }
  }
  return undefined
}

/**
 * Browsers send `Origin` on every POST; a request without one, or from another origin, did
 * not come from this server's pages. (The host is the one the request was sent to, so a
 * page of this server always matches it, behind a proxy too when TRUST_PROXY is set.)
 */
const sameOrigin: onRequestHookHandler = (request, _reply, done) => {
  const origin = request.headers.origin
  const own = `${request.protocol}://${request.host}`
  if (origin === undefined || origin !== own) {
    done(new ApiError('forbidden', 'This request must come from a page of this server.'))
    return
  }
  done()
}
