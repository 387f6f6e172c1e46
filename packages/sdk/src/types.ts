import type { operations } from '@brandwave/contract'
import type { Static, TSchema } from 'typebox'

/*
 * Every parameter and result type of the client, derived from the schemas the server
 * validates with: nothing here is written by hand, so the two cannot drift apart.
 */

type Operations = typeof operations

/**
 * The name of an API operation, e.g. `createPersonalAccessToken`.
 *
 * @example
 * const operation: OperationName = 'rotateApiKey'
 */
export type OperationName = keyof Operations

type StaticOf<S> = S extends TSchema ? Static<S> : never
type Field<O, K extends string> = O extends { readonly [P in K]: infer V } ? V : never

/**
 * The JSON body an operation takes.
 *
 * @example
 * const body: BodyOf<'createApiKey'> = { name: 'Zapier', scopes: ['contacts:read'] }
 */
export type BodyOf<N extends OperationName> = StaticOf<Field<Operations[N], 'body'>>
/**
 * The query parameters an operation takes.
 *
 * @example
 * const query: QueryOf<'listApiKeys'> = { status: 'active', limit: 50 }
 */
export type QueryOf<N extends OperationName> = StaticOf<Field<Operations[N], 'query'>>
/**
 * The path parameters an operation takes (`{ id }`).
 *
 * @example
 * const params: PathParamsOf<'getApiKey'> = { id }
 */
export type PathParamsOf<N extends OperationName> = StaticOf<Field<Operations[N], 'params'>>
/**
 * What a successful call resolves to: `{ data, meta }`, or the list envelope.
 *
 * @example
 * const page: ResponseOf<'listApiKeys'> = await bw.apiKeys.list()
 */
export type ResponseOf<N extends OperationName> = {
  [S in keyof Operations[N]['responses']]: StaticOf<Operations[N]['responses'][S]>
}[keyof Operations[N]['responses']]

/**
 * A personal access token or API key, as every endpoint shows it (never the secret).
 *
 * @example
 * const active: Credential[] = (await bw.apiKeys.list()).items.filter((key) => key.status === 'active')
 */
export type Credential = ResponseOf<'getPersonalAccessToken'>['data']
/**
 * A credential with its secret `token`: only in create and rotate results.
 *
 * @example
 * const { data }: { data: CreatedCredential } = await bw.personalAccessTokens.create({ name: 'CI' })
 * showOnce(data.token)
 */
export type CreatedCredential = ResponseOf<'createPersonalAccessToken'>['data']
/**
 * A member of the organization, with their role.
 *
 * @example
 * const admins: Member[] = (await bw.members.list({ role: 'company_admin' })).items
 */
export type Member = ResponseOf<'changeMemberRole'>['data']
/**
 * A pending invitation to join the organization.
 *
 * @example
 * const pending: Invitation[] = (await bw.invitations.list()).items
 */
export type Invitation = ResponseOf<'listInvitations'>['items'][number]
/**
 * One audit-log entry: who did what to which credential or member, from where.
 *
 * @example
 * const events: AuditEvent[] = (await bw.auditLogs.list({ action: 'credential.revoked' })).items
 */
export type AuditEvent = ResponseOf<'listAuditEvents'>['items'][number]
/**
 * One scope of the catalog (`contacts:read`), with its description.
 *
 * @example
 * const scopes: ScopeDescription[] = (await bw.scopes.list()).items
 */
export type ScopeDescription = ResponseOf<'listScopes'>['items'][number]
/**
 * A session's access and refresh tokens, from sign-in or refresh.
 *
 * @example
 * const bw = new Brandwave({ onTokens: (pair: TokenPair) => store.save(pair) })
 */
export type TokenPair = ResponseOf<'login'>['data']
/**
 * Who is calling: a credential (`keyId`, `scopes`, …) or a session (`userId`, `role`, …).
 *
 * @example
 * const { data }: { data: Me } = await bw.me()
 * if (data.type === 'session') greet(data.email)
 */
export type Me = ResponseOf<'getMe'>['data']
/**
 * The answer of `bw.keys.verify`: `valid`, a `code`, the credential and its rate limit.
 *
 * @example
 * const { data }: { data: VerificationResult } = await bw.keys.verify({ key, requiredScopes: ['contacts:read'] })
 * if (!data.valid) return reply.code(401).send({ error: data.code })
 */
export type VerificationResult = ResponseOf<'verifyKey'>['data']
/**
 * A credential's requests over a range: hour or day buckets, totals, and its last 10 addresses.
 *
 * @example
 * const { data }: { data: CredentialUsage } = await bw.apiKeys.usage({ id })
 * chart(data.buckets.map((b) => [b.start, b.accepted, b.refused]))
 */
export type CredentialUsage = ResponseOf<'getApiKeyUsage'>['data']
/**
 * The organization's credential policy.
 *
 * @example
 * const { data }: { data: CredentialPolicy } = await bw.credentialPolicy.get()
 * if (data.expiryRequired) askForAnExpiry()
 */
export type CredentialPolicy = ResponseOf<'getCredentialPolicy'>['data']
