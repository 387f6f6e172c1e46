import { ApiError } from '@brandwave/core'
import type { FastifyInstance } from 'fastify'
import { arrive } from '../shared-state/access-version.js'
import { credentialInQuery } from './presented-credential.js'
import { STANDARD_HEADERS, STRICT_TRANSPORT_SECURITY } from './responses.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's number in the order requests reached this process (`arrive()`). */
    arrival: number
  }
}

/**
 * The first hook of every request, matched or not: it numbers the request (the access
 * version relies on that number, so it must run before anything reads the version), sets
 * the headers every response carries (HSTS when it came over TLS), and refuses a credential
 * in the query string.
 */
export function registerRequestHooks(app: FastifyInstance, tokenPrefixes: readonly string[]): void {
  app.decorateRequest('arrival', 0)
  app.addHook('onRequest', (request, reply, done) => {
    request.arrival = arrive()
    reply.header('x-request-id', request.id)
    reply.headers(STANDARD_HEADERS)
    // `protocol` believes X-Forwarded-Proto only from a proxy TRUST_PROXY trusts.
    if (request.protocol === 'https') reply.header('strict-transport-security', STRICT_TRANSPORT_SECURITY)
    // Most requests have no query string: nothing to look at then.
    const parameter = request.url.includes('?') ? credentialInQuery(request.url, tokenPrefixes) : null
    if (parameter !== null) {
      done(new ApiError('validation_failed', 'Credentials must be sent in a header, never in the URL.', { details: [{ field: parameter, message: 'looks like a credential' }] }))
      return
    }
    done()
  })
}
