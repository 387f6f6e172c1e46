import type { operations } from '@brandwave/contract'
import type { Static, TSchema } from 'typebox'

/*
 * Every parameter and result type of the client, derived from the schemas the server
 * validates with: nothing here is written by hand, so the two cannot drift apart.
 */

type Operations = typeof operations

/** The name of an API operation, e.g. `createPersonalAccessToken`. */
export type OperationName = keyof Operations

type StaticOf<S> = S extends TSchema ? Static<S> : never
type Field<O, K extends string> = O extends { readonly [P in K]: infer V } ? V : never

/** The JSON body an operation takes. */
export type BodyOf<N extends OperationName> = StaticOf<Field<Operations[N], 'body'>>
/** The query parameters an operation takes. */
export type QueryOf<N extends OperationName> = StaticOf<Field<Operations[N], 'query'>>
/** The path parameters an operation takes (`{ id }`). */
export type PathParamsOf<N extends OperationName> = StaticOf<Field<Operations[N], 'params'>>
/** What a successful call resolves to: `{ data, meta }`, or the list envelope. */
export type ResponseOf<N extends OperationName> = {
  [S in keyof Operations[N]['responses']]: StaticOf<Operations[N]['responses'][S]>
}[keyof Operations[N]['responses']]

/** A personal access token or API key, as every endpoint shows it (never the secret). */
export type Credential = ResponseOf<'getPersonalAccessToken'>['data']
/** A credential with its secret `token`: only in create and rotate results. */
export type CreatedCredential = ResponseOf<'createPersonalAccessToken'>['data']
export type Member = ResponseOf<'addMember'>['data']
export type AuditEvent = ResponseOf<'listAuditEvents'>['items'][number]
export type ScopeDescription = ResponseOf<'listScopes'>['items'][number]
export type TokenPair = ResponseOf<'login'>['data']
/** Who is calling: a credential (`keyId`, `scopes`, …) or a session (`userId`, `role`, …). */
export type Me = ResponseOf<'getMe'>['data']
export type VerificationResult = ResponseOf<'verifyKey'>['data']
