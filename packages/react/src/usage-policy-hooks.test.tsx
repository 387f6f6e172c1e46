// @vitest-environment happy-dom
import { Brandwave } from '@brandwave/sdk'
import { act, cleanup, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { BrandwaveProvider, useApiKeyUsage, useCredentialPolicy, useListApiKeys, useSetCredentialPolicy } from './index.js'

let server: TestServer
let client: Brandwave

beforeAll(async () => {
  server = await startTestServer('sqlite', { env: { BRANDWAVE_RESOURCES: 'contacts' } })
  ;(window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${server.url}/`)
  const admin = await loginAdmin(server)
  const pat = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: 'react tests' } })
  client = new Brandwave({ token: pat.body.data.token, baseUrl: server.url, maxRetries: 0 })
})
afterAll(() => server?.close())
afterEach(() => cleanup())

function wrapper({ children }: { children: ReactNode }) {
  return <BrandwaveProvider client={client}>{children}</BrandwaveProvider>
}

it('useApiKeyUsage reads a key’s counts and addresses', async () => {
  const { data: key } = await client.apiKeys.create({ name: 'charted', scopes: ['contacts:read'] })
  await new Brandwave({ token: key.token, baseUrl: server.url, maxRetries: 0 }).me()
  await server.running.app.usageCounts.flush()
  const { result } = renderHook(() => useApiKeyUsage(key.id, { granularity: 'day' }), { wrapper })
  await waitFor(() => expect(result.current.data?.data.totals.accepted).toBe(1))
  expect(result.current.data?.data.addresses[0]?.ip).toBe('127.0.0.1')
})

it('useSetCredentialPolicy replaces the policy; the key lists are refetched with their new policyViolations', async () => {
  const { data: key } = await client.apiKeys.create({ name: 'forever', scopes: ['contacts:read'] })
  const { result } = renderHook(() => ({ policy: useCredentialPolicy(), keys: useListApiKeys({}), set: useSetCredentialPolicy() }), { wrapper })
  await waitFor(() => expect(result.current.keys.data?.items.find((k) => k.id === key.id)?.policyViolations).toEqual([]))
  expect(result.current.policy.data?.data.updatedAt).toBeNull()
  await act(() => result.current.set.mutateAsync({ maxLifetimeSeconds: null, expiryRequired: true, allowedEnvironments: ['live', 'test'], liveRequiresAllowedIps: false }))
  expect(result.current.policy.data?.data.expiryRequired).toBe(true)
  await waitFor(() => expect(result.current.keys.data?.items.find((k) => k.id === key.id)?.policyViolations).toEqual(['POLICY_EXPIRY_REQUIRED']))
})
