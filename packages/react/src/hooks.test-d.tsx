// Compile-only: `npm run typecheck` fails if the hooks' types stop being precise.
import type { BrandwaveError, CreatedCredential, Credential } from '@brandwave/sdk'
import { expectTypeOf } from 'vitest'
import { useCreateApiKey, useCreatePersonalAccessToken, useListPersonalAccessTokens, useRevokePersonalAccessToken, useRotatePersonalAccessToken } from './index.js'

export function Checks() {
  const create = useCreatePersonalAccessToken()
  expectTypeOf(create.mutate).parameter(0).toEqualTypeOf<Parameters<typeof create.mutateAsync>[0]>()
  expectTypeOf<NonNullable<typeof create.data>['data']>().toEqualTypeOf<CreatedCredential>()
  expectTypeOf(create.error).toEqualTypeOf<BrandwaveError | null>()
  // @ts-expect-error a name is required
  create.mutate({})
  // @ts-expect-error the environment is live or test
  create.mutate({ name: 'x', environment: 'staging' })

  const list = useListPersonalAccessTokens({ status: 'active' })
  expectTypeOf(list.data?.items).toEqualTypeOf<Credential[] | undefined>()
  // @ts-expect-error no such status
  useListPersonalAccessTokens({ status: 'deleted' })

  // @ts-expect-error revoking needs an id
  useRevokePersonalAccessToken().mutate({})
  useRotatePersonalAccessToken().mutate({ id: 'abc-123', gracePeriodSeconds: 60 })
  // @ts-expect-error API keys need scopes
  useCreateApiKey().mutate({ name: 'x' })
  return null
}
