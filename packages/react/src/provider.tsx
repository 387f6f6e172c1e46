import { Brandwave, type BrandwaveOptions } from '@brandwave/sdk'
import { QueryClient, QueryClientContext, QueryClientProvider } from '@tanstack/react-query'
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react'

const BrandwaveContext = createContext<Brandwave | null>(null)

/**
 * The props of {@link BrandwaveProvider}: a `client`, or the options to build one, and an
 * optional `queryClient`.
 *
 * @example
 * const props: BrandwaveProviderProps = { baseUrl: 'https://auth.example.com', token: sessionToken }
 */
export type BrandwaveProviderProps = {
  readonly children?: ReactNode
  /** The app's own TanStack `QueryClient`; without one (here or in an ancestor provider), one is created. */
  readonly queryClient?: QueryClient
} & (
  | { /** A client the app built itself. */ readonly client: Brandwave }
  | ({ readonly client?: undefined } & BrandwaveOptions)
)

/**
 * For the QueryClient the provider creates itself. The SDK already retries what is worth
 * retrying (network failures, 429, 5xx); TanStack's three retries on top would turn a 404
 * into seven seconds of loading and a 503 into twelve requests.
 */
const OWN_CLIENT_OPTIONS = { defaultOptions: { queries: { retry: false } } } as const

/**
 * Makes a Brandwave client (and a TanStack `QueryClient`) available to the hooks below it.
 * Pass a `client`, or the options to build one (`baseUrl`, `token`, …).
 *
 * @example
 * <BrandwaveProvider baseUrl="https://auth.example.com" token={sessionToken}>
 *   <ApiKeysPage />
 * </BrandwaveProvider>
 */
export function BrandwaveProvider(props: BrandwaveProviderProps): ReactNode {
  const ancestor = useContext(QueryClientContext)
  const [own] = useState(() => (props.queryClient === undefined && ancestor === undefined ? new QueryClient(OWN_CLIENT_OPTIONS) : undefined))
  const queryClient = props.queryClient ?? ancestor ?? own
  const { client: given, children } = props
  const options = given === undefined ? (props as BrandwaveOptions) : undefined
  const client = useMemo(
    () => given ?? new Brandwave(options),
    // A new client only when what it talks to, or as whom, changes.
    [given, options?.baseUrl, options?.token, options?.refreshToken],
  )
  const tree = <BrandwaveContext.Provider value={client}>{children}</BrandwaveContext.Provider>
  if (queryClient === undefined) throw new Error('unreachable: a QueryClient always exists here')
  return queryClient === ancestor ? tree : <QueryClientProvider client={queryClient}>{tree}</QueryClientProvider>
}

/**
 * The Brandwave client of the nearest {@link BrandwaveProvider}.
 *
 * @example
 * const bw = useBrandwave()
 * await bw.keys.verify({ key })
 */
export function useBrandwave(): Brandwave {
  const client = useContext(BrandwaveContext)
  if (client === null) throw new Error('Brandwave hooks need a <BrandwaveProvider> ancestor.')
  return client
}
