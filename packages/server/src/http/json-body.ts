import { ApiError } from '@brandwave/core'
import type { FastifyInstance } from 'fastify'
import secureJson from 'secure-json-parse'

/**
 * The only body parser: JSON (SPEC §3), with prototype-pollution keys refused and the
 * position of a syntax error reported — but never an excerpt of the body, which may hold
 * a secret.
 */
export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(;.*)?$/i, { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    // Many clients send `Content-Type: application/json` on every request, bodiless DELETEs
    // included: an empty body is no body. Operations that need one say so in validation.
    if (text.length === 0) {
      done(null, undefined)
      return
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }))
    } catch (error) {
      const message = error instanceof Error ? error.message : ''
      if (/forbidden prototype property/i.test(message)) {
        done(new ApiError('validation_failed', 'The body contains a forbidden key.', { details: [{ field: 'body', message: 'must not contain "__proto__" or "constructor.prototype"' }] }), undefined)
        return
      }
      done(new ApiError('validation_failed', 'The body is not valid JSON.', { details: [{ field: 'body', message: `is not valid JSON${whereItBroke(text, message)}` }] }), undefined)
    }
  })
}

/**
 * Where the parser stopped, from its message: a position (as line and column) when the
 * engine gives one, else the offending character. Never more of the body than that.
 */
function whereItBroke(text: string, parserMessage: string): string {
  const position = /position (\d+)/.exec(parserMessage)?.[1]
  if (position !== undefined) {
    const before = text.slice(0, Number(position))
    const line = before.split('\n').length
    const column = Number(position) - before.lastIndexOf('\n')
    return ` at line ${line}, column ${column} (character ${position})`
  }
  if (/Unexpected end of JSON input/.test(parserMessage)) return ': it ends too early'
  const token = /Unexpected token '(.)'/u.exec(parserMessage)?.[1]
  return token === undefined ? '' : `: unexpected "${token}"`
}
