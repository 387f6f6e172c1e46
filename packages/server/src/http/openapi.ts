import { ErrorBody, operations, type Operation } from '@brandwave/contract'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

/** The Content-Security-Policy of HTML pages. */
export const HTML_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const optionalBodies = new Set<string>(Object.values<Operation>(operations).filter((operation) => operation.bodyOptional === true).map((operation) => operation.operationId))

/**
 * `/openapi.json` and the `/docs` page, generated from the routes' own schemas: what
 * validates a request is what the document describes.
 */
export async function registerOpenApi(app: FastifyInstance, info: { version: string }): Promise<void> {
  app.addSchema({ ...ErrorBody, $id: 'ErrorBody' })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Brandwave API',
        version: info.version,
        description:
          'Issue, verify and manage API credentials: personal access tokens, organization API keys, sessions with 2FA. ' +
          'Every `/v1` route also answers under `/api/v1`. Send credentials in a header, never in the URL.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative: the document describes whichever server serves it, wherever it is deployed.
      servers: [{ url: '/', description: 'The Brandwave server that serves this document' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A session access JWT, a personal access token, an API key or an OAuth access token.' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          apiToken: { type: 'apiKey', in: 'header', name: 'Api-Token' },
        },
      },
    },
    // Fastify marks every declared body as required; some operations work without one.
    transformObject: (documentObject) => {
      const document = 'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject
      for (const pathItem of Object.values(document.paths ?? {})) {
        for (const operation of Object.values(pathItem as Record<string, { operationId?: string; requestBody?: { required?: boolean } }>)) {
          if (operation.requestBody !== undefined && optionalBodies.has(operation.operationId ?? '')) operation.requestBody.required = false
        }
      }
      return document
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Strict: nothing from other origins, no framing, no plugins. (The plugin's default also
    // allows swagger.io's validator and upgrades requests, which breaks plain-HTTP installs.)
    transformStaticCSP: () => HTML_CSP,
    uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
  })
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())
}
