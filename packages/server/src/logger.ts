import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

/**
 * Structured JSON logs (pino). Requests are logged by method and path only: a query string
 * may carry a token someone pasted there. Redaction is the second line of defence for any
 * header or field that can hold a secret.
 */
export function loggerOptions(level: Config['logLevel']): NonNullable<Exclude<FastifyServerOptions['logger'], boolean>> {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers["api-token"]',
        'req.headers.cookie',
        'headers.authorization',
        'headers["x-api-key"]',
        'headers["api-token"]',
        'headers.cookie',
        '*.password',
        '*.currentPassword',
        '*.newPassword',
        '*.token',
        '*.refreshToken',
        '*.accessToken',
        '*.secret',
        '*.twoFactorCode',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (request: { method: string; url: string; ip?: string }) => ({
        method: request.method,
        path: request.url.split('?', 1)[0],
        ip: request.ip,
      }),
    },
  }
}
