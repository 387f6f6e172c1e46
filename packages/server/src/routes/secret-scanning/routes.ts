import { ApiError } from '@brandwave/core'
import { MAX_REPORTED_CREDENTIALS } from '@brandwave/contract'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import secureJson from 'secure-json-parse'
import type { LeakChannel, LeakReport, LeakResponse } from '../../services/leaks.js'
import type { PublicKeyDirectory } from './public-keys.js'

/** 1000 tokens with their URLs: well above the JSON API's limit, which is sized for people. */
const ALERT_BODY_LIMIT_BYTES = 2 * 1024 * 1024
const MAX_FIELD_LENGTH = 4096

interface Partner {
  readonly channel: Exclude<LeakChannel, 'revoke_endpoint'>
  readonly path: string
  readonly identifierHeader: string
  readonly signatureHeader: string
}

const PARTNERS: readonly Partner[] = [
  { channel: 'github', path: '/v1/secret-scanning/github', identifierHeader: 'github-public-key-identifier', signatureHeader: 'github-public-key-signature' },
  { channel: 'gitlab', path: '/v1/secret-scanning/gitlab', identifierHeader: 'gitlab-public-key-identifier', signatureHeader: 'gitlab-public-key-signature' },
]

interface Alert {
  readonly token: string
  readonly type: string
  readonly url: string | null
  readonly source: string | null
}

function header(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name]
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD_LENGTH ? value : null
}

const optionalText = (value: unknown): string | null => (typeof value === 'string' ? value.slice(0, MAX_FIELD_LENGTH) : null)

/** The alert as the partners send it: a JSON array of `{ token, type, url, source }`. */
function parseAlerts(body: Buffer): Alert[] {
  let parsed: unknown
  try {
    parsed = secureJson.parse(body.toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' })
  } catch {
    throw new ApiError('validation_failed', 'The alert is not valid JSON.', { details: [{ field: 'body', message: 'is not valid JSON' }] })
  }
  if (!Array.isArray(parsed) || parsed.length > MAX_REPORTED_CREDENTIALS) {
    throw new ApiError('validation_failed', 'The alert must be an array of at most 1000 matches.', { details: [{ field: 'body', message: `must be an array of at most ${MAX_REPORTED_CREDENTIALS} items` }] })
  }
  return (parsed as unknown[]).map((item, index) => {
    const token = typeof item === 'object' && item !== null ? (item as { token?: unknown }).token : undefined
    if (typeof token !== 'string' || token.length > MAX_FIELD_LENGTH) throw new ApiError('validation_failed', 'Every match needs a token.', { details: [{ field: `/${index}/token`, message: 'must be a string' }] })
    const { type, url, source } = item as { type?: unknown; url?: unknown; source?: unknown }
    return { token, type: optionalText(type) ?? '', url: optionalText(url), source: optionalText(source) }
  })
}

/**
 * GitHub's secret scanning partner protocol, and GitLab's variant of it (SPEC §10). The
 * signature covers the exact bytes sent, so these routes live in their own plugin whose
 * only body parser keeps the raw Buffer: nothing is parsed before the signature verifies,
 * and a bad signature (401) changes nothing. Outside the contract and the OpenAPI document:
 * only the partners call them, with a body the contract's JSON parsing would not keep.
 */
export async function secretScanningRoutes(app: FastifyInstance, deps: { leaks: LeakResponse; keys: Record<Partner['channel'], PublicKeyDirectory> }): Promise<void> {
  await app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ALERT_BODY_LIMIT_BYTES }, (_request, body, parsed) => parsed(null, body))
    for (const partner of PARTNERS) {
      scope.post(partner.path, { schema: { hide: true }, bodyLimit: ALERT_BODY_LIMIT_BYTES }, async (request, reply) => {
        const identifier = header(request, partner.identifierHeader)
        const signature = header(request, partner.signatureHeader)
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        if (identifier === null || signature === null || !(await deps.keys[partner.channel].verify(identifier, signature, body))) {
          throw new ApiError('unauthorized', `The alert's signature does not verify with a published ${partner.channel === 'github' ? 'GitHub' : 'GitLab'} key.`)
        }
        const alerts = parseAlerts(body)
        const reports: LeakReport[] = alerts.map((alert) => ({ token: alert.token, url: alert.url, source: alert.source ?? partner.channel }))
        const verdicts = await deps.leaks.report(reports, partner.channel, { requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] ?? null })
        return reply.code(200).send(alerts.map((alert, index) => ({ token_raw: alert.token, token_type: alert.type, label: verdicts[index] })))
      })
    }
    done()
  })
}
