import type { Authentication } from '../operation.js'
import type { TSchema } from 'typebox'
import { Data, NoBody, Page } from '../common.js'
import {
  CreatedCredential,
  Credential,
  CredentialFacets,
  CredentialIdParams,
  ListCredentialsQuery,
  RotateCredentialBody,
  UpdateCredentialBody,
} from '../credentials.js'
import { defineOperation } from '../operation.js'

interface CredentialFamily<Resource extends string, Path extends string, Stem extends string, CreateBody extends TSchema> {
  /** Path segment, e.g. `personal-access-tokens`. */
  readonly path: Path
  /** Scope resource, e.g. `personal_access_tokens`. */
  readonly resource: Resource
  /** Singular and plural nouns for summaries, and the operationId stem (`PersonalAccessToken`). */
  readonly noun: string
  readonly nouns: string
  readonly stem: Stem
  readonly tag: string
  readonly authentication: Extract<Authentication, 'user' | 'any'>
  readonly createBody: CreateBody
  readonly createDescription: string
  readonly listDescription: string
}

/**
 * The five verbs and rotate, declared once for both credential types (PATs and API keys are
 * one model, SPEC §1): same shapes, same semantics, different owner and scope resource.
 */
export function credentialOperations<const Resource extends string, const Path extends string, const Stem extends string, const CreateBody extends TSchema>(
  family: CredentialFamily<Resource, Path, Stem, CreateBody>,
) {
  const { path, resource, noun, nouns, stem, tag, authentication } = family
  // Literal types all the way (`/v1/api-keys/:id`, `rotateApiKey`): clients check their routes against them.
  const base = `/v1/${path}` as const
  const item = `${base}/:id` as const
  return {
    create: defineOperation({
      operationId: `create${stem}` as const,
      method: 'POST',
      path: base,
      summary: `Create ${noun}`,
      description: family.createDescription,
      tag,
      authentication,
      scope: `${resource}:write` as const,
      body: family.createBody,
      responses: { 201: Data(CreatedCredential) },
      errors: ['validation_failed', 'forbidden'],
    }),
    list: defineOperation({
      operationId: `list${stem}s` as const,
      method: 'GET',
      path: base,
      summary: `List ${nouns}`,
      description: family.listDescription,
      tag,
      authentication,
      scope: `${resource}:read` as const,
      query: ListCredentialsQuery,
      responses: { 200: Page(Credential, CredentialFacets) },
      errors: ['validation_failed'],
    }),
    get: defineOperation({
      operationId: `get${stem}` as const,
      method: 'GET',
      path: item,
      summary: `Get ${noun}`,
      description: 'Never includes the secret.',
      tag,
      authentication,
      scope: `${resource}:read` as const,
      params: CredentialIdParams,
      responses: { 200: Data(Credential) },
      errors: ['not_found'],
    }),
    update: defineOperation({
      operationId: `update${stem}` as const,
      method: 'PATCH',
      path: item,
      summary: `Rename ${noun} or change its IP allowlist, rate limit, owner, metadata or remaining uses`,
      tag,
      authentication,
      scope: `${resource}:write` as const,
      params: CredentialIdParams,
      body: UpdateCredentialBody,
      responses: { 200: Data(Credential) },
      errors: ['validation_failed', 'not_found', 'conflict'],
    }),
    revoke: defineOperation({
      operationId: `revoke${stem}` as const,
      method: 'DELETE',
      path: item,
      summary: `Revoke ${noun}`,
      description: 'Revokes it now and for good: the very next request with it fails, on every instance. Revoking it again returns the revoked record.',
      tag,
      authentication,
      scope: `${resource}:delete` as const,
      params: CredentialIdParams,
      body: NoBody,
      bodyOptional: true,
      responses: { 200: Data(Credential) },
      errors: ['not_found'],
    }),
    rotate: defineOperation({
      operationId: `rotate${stem}` as const,
      method: 'POST',
      path: `${item}/rotate` as const,
      summary: `Rotate ${noun}`,
      description:
        'Creates a successor with the same name, scopes, IP allowlist, rate limit, environment and expiry, and revokes the old one at once or when `gracePeriodSeconds` ends (never later than its own expiry). ' +
        'Rotating one that was already rotated, revoked or has expired is 409. Authenticating a rotation with a secret that was already rotated away revokes its whole rotation family, since that secret is evidently still in circulation; ' +
        'the exception is a key that rotated itself retrying with the same `Idempotency-Key` within 10 minutes, which gets the response replayed.',
      tag,
      authentication,
      scope: `${resource}:workflow` as const,
      detectsReuse: true,
      params: CredentialIdParams,
      body: RotateCredentialBody,
      bodyOptional: true,
      responses: { 201: Data(CreatedCredential) },
      errors: ['validation_failed', 'not_found', 'conflict', 'forbidden'],
    }),
    disable: defineOperation({
      operationId: `disable${stem}` as const,
      method: 'POST',
      path: `${item}/disable` as const,
      summary: `Disable ${noun}`,
      description:
        'Switches it off until it is enabled again: the very next request with it is refused (401, reason `DISABLED`) on every instance, and verification answers `DISABLED`. ' +
        'Disabling a disabled one returns it unchanged; a revoked one is 409.',
      tag,
      authentication,
      scope: `${resource}:workflow` as const,
      params: CredentialIdParams,
      body: NoBody,
      bodyOptional: true,
      responses: { 200: Data(Credential) },
      errors: ['not_found', 'conflict', 'forbidden'],
    }),
    enable: defineOperation({
      operationId: `enable${stem}` as const,
      method: 'POST',
      path: `${item}/enable` as const,
      summary: `Enable ${noun} again`,
      description: 'Undoes a disable: it works again from the next request. Enabling an enabled one returns it unchanged; revocation is final, so a revoked one is 409.',
      tag,
      authentication,
      scope: `${resource}:workflow` as const,
      params: CredentialIdParams,
      body: NoBody,
      bodyOptional: true,
      responses: { 200: Data(Credential) },
      errors: ['not_found', 'conflict', 'forbidden'],
    }),
  }
}

/** The operations every credential type has, whatever its create body: what shared handlers are written against. */
export type CredentialOperationFamily = ReturnType<typeof credentialOperations<string, string, string, TSchema>>
