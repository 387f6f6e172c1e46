// @vitest-environment happy-dom
import { Brandwave, BrandwaveError, type ResponseOf } from '@brandwave/sdk'
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query'
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin, signUp } from '@brandwave/testing/actors'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import {
  BrandwaveProvider,
  brandwaveKeys,
  useAuditLogs,
  useCreateApiKey,
  useCreatePersonalAccessToken,
  useGetPersonalAccessToken,
  useListApiKeys,
  useListPersonalAccessTokens,
  useMe,
  useMembers,
  useRevokePersonalAccessToken,
  useRotatePersonalAccessToken,
  useScopes,
  useUpdatePersonalAccessToken,
  useCreateInvitation,
  useCreateWebhookEndpoint,
  useDeleteWebhookEndpoint,
  useInvitations,
  useWebhookDeliveries,
  useWebhookEndpoints,
  useWithdrawInvitation,
  useAuthorizedApps,
  useRevokeAuthorizedApp,
} from './index.js'

let server: TestServer
let client: Brandwave

beforeAll(async () => {
  server = await startTestServer('sqlite', { env: { BRANDWAVE_RESOURCES: 'contacts', BRANDWAVE_WEBHOOK_ALLOW_PRIVATE: 'true' } })
  // The page is served by Brandwave itself (as the dashboard is): same origin, so the API's
  // refusal of cross-origin callers does not apply. (A page elsewhere would be refused.)
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

/** The README's React samples, as written there, in one page. */
function TokensPage() {
  const { mutate, isPending } = useCreatePersonalAccessToken()
  const { data, isLoading } = useListPersonalAccessTokens({})
  const revoke = useRevokePersonalAccessToken()
  const rotate = useRotatePersonalAccessToken()
  const mine = data?.items.filter((token) => token.name === 'My Campaign') ?? []
  return (
    <main>
      <button onClick={() => mutate({ name: 'My Campaign' })} disabled={isPending}>
        create
      </button>
      {isLoading ? <p>loading</p> : <p>count {mine.length}</p>}
      <ul>
        {mine.map((token) => (
          <li key={token.id}>
            {token.name} {token.status}
            <button onClick={() => rotate.mutate({ id: token.id })}>rotate {token.id}</button>
            <button onClick={() => revoke.mutate({ id: token.id })}>revoke {token.id}</button>
          </li>
        ))}
      </ul>
    </main>
  )
}

describe('@brandwave/react against a real server', () => {
  it('create → the list shows it → rotate → revoke → the list shows it revoked', async () => {
    render(<TokensPage />, { wrapper })
    expect(screen.getByText('loading')).toBeTruthy()
    await screen.findByText('count 0')

    fireEvent.click(screen.getByText('create'))
    await screen.findByText('count 1')
    const created = screen.getByText(/^rotate /).textContent.replace('rotate ', '')

    fireEvent.click(screen.getByText(`rotate ${created}`))
    await screen.findByText('count 2')
    await waitFor(() => expect(screen.getAllByText(/My Campaign revoked/)).toHaveLength(1))
    const successor = screen.getAllByText(/^revoke /).map((b) => b.textContent.replace('revoke ', '')).find((id) => id !== created)!

    fireEvent.click(screen.getByText(`revoke ${successor}`))
    await waitFor(() => expect(screen.getAllByText(/My Campaign revoked/)).toHaveLength(2))
  })

  it('mutations settle only after the queries they change were refetched', async () => {
    const queryClient = new QueryClient()
    const { result } = renderHook(
      () => ({ list: useListPersonalAccessTokens({ search: 'settled' }), create: useCreatePersonalAccessToken(), update: useUpdatePersonalAccessToken() }),
      { wrapper: ({ children }) => <BrandwaveProvider client={client} queryClient={queryClient}>{children}</BrandwaveProvider> },
    )
    await waitFor(() => expect(result.current.list.isSuccess).toBe(true))
    expect(result.current.list.data?.totalCount).toBe(0)
    const cached = () => queryClient.getQueryData<ResponseOf<'listPersonalAccessTokens'>>(brandwaveKeys.personalAccessTokens.list(client, { search: 'settled' }))
    let id = ''
    await act(async () => {
      id = (await result.current.create.mutateAsync({ name: 'settled before resolve' })).data.id
      // Before anything else runs: the list in the cache already holds the new token.
      expect(cached()?.items.map((t) => t.id)).toEqual([id])
    })
    await act(async () => {
      await result.current.update.mutateAsync({ id, name: 'settled and renamed' })
      expect(cached()?.items[0]?.name).toBe('settled and renamed')
    })
    await waitFor(() => expect(result.current.list.data?.items[0]?.name).toBe('settled and renamed'))
  })

  it('loading and error states carry BrandwaveError; the provider’s own QueryClient does not retry a 404', async () => {
    // No QueryClient given: with TanStack's default of three retries the error would take seconds.
    const { result } = renderHook(() => useGetPersonalAccessToken('01936f0e-8a5e-7cc2-9d2b-3f4e5a6b7c8d'), {
      wrapper: ({ children }) => <BrandwaveProvider client={client}>{children}</BrandwaveProvider>,
    })
    expect(result.current.isLoading).toBe(true)
    await waitFor(() => expect(result.current.isError).toBe(true), { timeout: 3000 })
    expect(result.current.failureCount).toBe(1)
    expect(result.current.error).toBeInstanceOf(BrandwaveError)
    expect(result.current.error?.code).toBe('not_found')

    const failing = renderHook(() => useCreatePersonalAccessToken(), { wrapper })
    await act(async () => {
      await failing.result.current.mutateAsync({ name: '' }).catch(() => undefined)
    })
    await waitFor(() => expect(failing.result.current.error?.code).toBe('validation_failed'))
  })

  it('API keys, /me, scopes, members and audit logs', async () => {
    const { result } = renderHook(
      () => ({ create: useCreateApiKey(), keys: useListApiKeys({ search: 'Zapier' }), me: useMe(), scopes: useScopes(), members: useMembers(), audit: useAuditLogs({ action: 'credential.created' }) }),
      { wrapper },
    )
    await waitFor(() => expect(result.current.keys.isSuccess && result.current.me.isSuccess && result.current.scopes.isSuccess && result.current.members.isSuccess && result.current.audit.isSuccess).toBe(true))
    expect(result.current.me.data?.data).toMatchObject({ type: 'personal_access_token', keyName: 'react tests' })
    expect(result.current.scopes.data?.items.map((s) => s.scope)).toContain('contacts:read')
    expect(result.current.members.data?.totalCount).toBeGreaterThanOrEqual(1)
    await act(async () => {
      await result.current.create.mutateAsync({ name: 'Zapier sync', scopes: ['contacts:read'] })
    })
    await waitFor(() => expect(result.current.keys.data?.items.map((k) => k.name)).toEqual(['Zapier sync']))
  })

  it('invitations: create (the link once) → listed → withdraw → gone', async () => {
    const { result } = renderHook(() => ({ create: useCreateInvitation(), list: useInvitations(), withdraw: useWithdrawInvitation() }), { wrapper })
    await waitFor(() => expect(result.current.list.isSuccess).toBe(true))
    let id = ''
    await act(async () => {
      const created = await result.current.create.mutateAsync({ email: 'hooked@example.com', role: 'member' })
      expect(created.data.acceptUrl).toMatch(/\/invitations\/accept#token=/)
      id = created.data.id
    })
    await waitFor(() => expect(result.current.list.data?.items.map((i) => i.id)).toContain(id))
    await act(async () => {
      await result.current.withdraw.mutateAsync({ id })
    })
    await waitFor(() => expect(result.current.list.data?.items.map((i) => i.id)).not.toContain(id))
  })

  it('webhook endpoints: create → listed with its delivery log → delete drops the log instead of refetching it', async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const { result } = renderHook(() => ({ create: useCreateWebhookEndpoint(), list: useWebhookEndpoints(), remove: useDeleteWebhookEndpoint() }), {
      wrapper: ({ children }) => (
        <BrandwaveProvider client={client} queryClient={queryClient}>
          {children}
        </BrandwaveProvider>
      ),
    })
    let id = ''
    await act(async () => {
      const created = await result.current.create.mutateAsync({ url: 'http://127.0.0.1:9/hooks', events: ['api_key.created'] })
      expect(created.data.secret).toMatch(/^whsec_/)
      id = created.data.id
    })
    await waitFor(() => expect(result.current.list.data?.items.map((e) => e.id)).toContain(id))
    const log = renderHook(() => useWebhookDeliveries(id), {
      wrapper: ({ children }) => (
        <BrandwaveProvider client={client} queryClient={queryClient}>
          {children}
        </BrandwaveProvider>
      ),
    })
    await waitFor(() => expect(log.result.current.data?.totalCount).toBe(0))
    await act(async () => {
      await result.current.remove.mutateAsync({ id })
    })
    await waitFor(() => expect(result.current.list.data?.items.map((e) => e.id)).not.toContain(id))
    expect(queryClient.getQueryCache().findAll({ queryKey: brandwaveKeys.webhookEndpoints.allDeliveries(client, id) })).toEqual([])
    expect(log.result.current.error).toBeNull()
  })

  it('uses the app’s QueryClient when given one (prop or ancestor), and makes its own otherwise', () => {
    const appClient = new QueryClient()
    const seen: QueryClient[] = []
    function Probe() {
      seen.push(useQueryClient())
      return null
    }
    render(<BrandwaveProvider client={client} queryClient={appClient}><Probe /></BrandwaveProvider>)
    render(<QueryClientProvider client={appClient}><BrandwaveProvider client={client}><Probe /></BrandwaveProvider></QueryClientProvider>)
    render(<BrandwaveProvider baseUrl={server.url} token="bw_live_x"><Probe /></BrandwaveProvider>)
    expect(seen[0]).toBe(appClient)
    expect(seen[1]).toBe(appClient)
    expect(seen[2]).toBeInstanceOf(QueryClient)
    expect(seen[2]).not.toBe(appClient)
  })

  it('exports a key factory whose keys carry every input, the client first, and nest for invalidation', () => {
    const id = brandwaveKeys.client(client)[1]
    expect(brandwaveKeys.personalAccessTokens.list(client, { status: 'active' })).toEqual(['brandwave', id, 'personal-access-tokens', 'list', { status: 'active' }])
    expect(brandwaveKeys.personalAccessTokens.list(client).slice(0, 4)).toEqual(brandwaveKeys.personalAccessTokens.lists(client))
    expect(brandwaveKeys.apiKeys.detail(client, 'k1')).toEqual(['brandwave', id, 'api-keys', 'detail', 'k1'])
    // Stable for one client, different for another; never its credential.
    const another = new Brandwave({ token: 'bw_live_not_a_real_token_000000000000000000', baseUrl: server.url })
    expect(brandwaveKeys.me(client)).toEqual(brandwaveKeys.me(client))
    expect(brandwaveKeys.me(another)).not.toEqual(brandwaveKeys.me(client))
    expect(JSON.stringify(brandwaveKeys.me(another))).not.toContain('bw_live_')
  })

  it('two providers with different clients never read each other’s entries, even on one QueryClient', async () => {
    const other = await signUp(server, 'Other')
    const otherPat = await server.request('POST', '/v1/personal-access-tokens', { token: other.accessToken, body: { currentPassword: other.password, name: 'other tests' } })
    const otherClient = new Brandwave({ token: otherPat.body.data.token, baseUrl: server.url, maxRetries: 0 })
    // Fresh forever: an entry the second provider found under a shared key would never be refetched.
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } })
    function Caller({ label }: { label: string }) {
      const { data } = useMe()
      return <p>{`${label}: ${data === undefined ? 'loading' : 'keyName' in data.data ? data.data.keyName : data.data.type}`}</p>
    }
    render(
      <QueryClientProvider client={queryClient}>
        <BrandwaveProvider client={client}>
          <Caller label="first" />
        </BrandwaveProvider>
        <BrandwaveProvider client={otherClient}>
          <Caller label="second" />
        </BrandwaveProvider>
      </QueryClientProvider>,
    )
    await screen.findByText('first: react tests')
    await screen.findByText('second: other tests')
    expect(queryClient.getQueryCache().findAll({ queryKey: brandwaveKeys.all })).toHaveLength(2)
  })

  it('a page on another origin is refused by the browser: the API grants no CORS', async () => {
    ;(window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL('https://elsewhere.example/')
    try {
      await expect(client.me()).rejects.toThrow()
    } finally {
      ;(window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${server.url}/`)
    }
  })

  it('refuses to run without a provider, with a clear message', () => {
    expect(() => renderHook(() => useMe())).toThrow(/BrandwaveProvider/)
  })
})

describe('authorized apps (a session, as the dashboard calls them)', () => {
  it('lists none yet; revoking an app never authorized is a 404 BrandwaveError', async () => {
    const admin = await loginAdmin(server)
    const sessionClient = new Brandwave({ token: admin.accessToken, baseUrl: server.url, maxRetries: 0 })
    const sessionWrapper = ({ children }: { children: ReactNode }) => <BrandwaveProvider client={sessionClient}>{children}</BrandwaveProvider>
    const { result } = renderHook(() => ({ list: useAuthorizedApps(), revoke: useRevokeAuthorizedApp() }), { wrapper: sessionWrapper })
    await waitFor(() => expect(result.current.list.isSuccess).toBe(true))
    expect(result.current.list.data?.items).toEqual([])
    await act(async () => {
      await result.current.revoke.mutateAsync({ clientId: 'never-authorized' }).catch(() => undefined)
    })
    await waitFor(() => expect(result.current.revoke.error).toBeInstanceOf(BrandwaveError))
    expect(result.current.revoke.error?.status).toBe(404)
    expect(result.current.revoke.error?.code).toBe('not_found')
  })
})
