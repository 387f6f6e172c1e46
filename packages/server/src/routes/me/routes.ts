import { getMe } from '@brandwave/contract'
import type { RouteRegistrar } from '../route-registrar.js'

/** The sanity check for a new key, and "who am I" for a session. */
export function meRoutes(route: RouteRegistrar): void {
  route(getMe, ({ principal }) => {
    if (principal.kind === 'session') {
      return Promise.resolve({
        status: 200,
        body: {
          data: {
            type: 'session',
            userId: principal.userId,
            email: principal.email,
            name: principal.name,
            tenantId: principal.organizationId,
            role: principal.role,
            twoFactorEnabled: principal.twoFactorEnabled,
          },
        },
      })
    }
    if (principal.kind === 'oauth') {
      return Promise.resolve({ status: 200, body: { data: { type: 'oauth', clientId: principal.clientId, userId: principal.userId, scopes: [...principal.scopes] } } })
    }
    const { credential } = principal
    return Promise.resolve({
      status: 200,
      body: {
        data: {
          type: principal.type,
          keyId: credential.id,
          keyName: credential.name,
          tenantId: principal.organizationId,
          scopes: [...principal.scopes],
          environment: credential.environment,
          expiresAt: credential.expiresAt,
          externalId: credential.externalId,
          metadata: credential.metadataJson === null ? null : (JSON.parse(credential.metadataJson) as Record<string, unknown>),
        },
      },
    })
  })
}
