import { tokenScanPattern } from '@brandwave/core'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { newRequestId } from '../ids.js'
import { loggerOptions } from '../logger.js'
import type { Metrics } from '../metrics/index.js'
import { applyCorsPolicy } from './cors.js'
import { acceptJsonBodiesOnly } from './json-body.js'
import { MAX_PATH_PARAMETER_LENGTH, methodNotAllowed } from './method-not-allowed.js'
import { fromCode, toErrorResponse } from './problems.js'
import { OneLinePerRequest } from './request-log.js'
import { lazyChildLoggerFactory } from './lazy-request-logger.js'
import { registerRequestHooks } from './request-hooks.js'
import { sendError, sendRawError, writeSocketError } from './responses.js'
import { sharedSerializers } from './serialization.js'
import { validatorCompiler } from './validation.js'

export const BODY_LIMIT_BYTES = 64 * 1024

export interface HttpServerOptions {
  readonly config: Pick<Config, 'logLevel' | 'trustProxy'>
  /** A logger to use instead of one built from `config.logLevel` (tests pass a silent one). */
  readonly logger?: FastifyBaseLogger | undefined
  /** Every prefix the deployment has issued: the log and the URL check recognise all of them. */
  readonly tokenPrefixes: readonly string[]
  readonly metrics: Metrics
}

/** A hop count trusts that many proxies in front of us (proxy-addr's semantics). */
function trustProxyOption(setting: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting
  return typeof setting === 'boolean' ? setting : [...setting]
}

/**
 * The HTTP server with the conventions every response follows (SPEC §3): request ids,
 * standard headers, JSON bodies only, no credentials in URLs, no cross-origin access, and
 * every failure — from a handler, the framework or a malformed request line — in the error
 * shape. Routes are added by the caller.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const { config, tokenPrefixes } = options
  const app = Fastify({
    ...(options.logger !== undefined ? { loggerInstance: options.logger } : { logger: loggerOptions(config.logLevel) }),
    genReqId: newRequestId,
    requestIdHeader: false,
    logController: new OneLinePerRequest(tokenScanPattern(tokenPrefixes), options.metrics),
    childLoggerFactory: lazyChildLoggerFactory,
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    // While draining for shutdown, requests on open connections are still served properly.
    return503OnClosing: false,
    schemaController: { compilersFactory: { buildSerializer: sharedSerializers() } },
    routerOptions: {
      maxParamLength: MAX_PATH_PARAMETER_LENGTH,
      // A path parameter that long cannot be an id: nothing is there.
      onMaxParamLength: (_path, _req, res) => sendRawError(res, newRequestId(), 'not_found'),
    },
    frameworkErrors: (error, request, reply) => {
      void sendError(reply, request.id, error.code === 'FST_ERR_BAD_URL' ? fromCode('validation_failed', { message: 'The URL is not valid.' }) : toErrorResponse(error))
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET') return
      writeSocketError(socket, newRequestId(), error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'validation_failed')
    },
  })

  app.setValidatorCompiler(validatorCompiler())
  acceptJsonBodiesOnly(app)

  registerRequestHooks(app, tokenPrefixes)

  app.setErrorHandler((error, request, reply) => {
    const response = toErrorResponse(error)
    if (response.status >= 500) request.log.error({ err: error }, 'request failed')
    return sendError(reply, request.id, response)
  })

  app.setNotFoundHandler((request, reply) => {
    const wrongMethod = methodNotAllowed(app, request.method, request.url)
    return sendError(reply, request.id, wrongMethod !== null ? toErrorResponse(wrongMethod) : fromCode('not_found', { message: 'No route here. See /docs for the API.' }))
  })

  applyCorsPolicy(app, 'none')
  return app
}
