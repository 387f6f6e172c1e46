import type { Brandwave, ResponseOf } from '@brandwave/sdk'
import { BrandwaveProvider, useMe } from '@brandwave/react'
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query'
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'

type SignInInput = Parameters<Brandwave['auth']['browserSession']['start']>[0]

interface Session {
  readonly status: 'resuming' | 'signed-out' | 'signed-in'
  readonly signIn: (input: SignInInput) => Promise<void>
  readonly signOut: () => Promise<void>
  readonly switchOrganization: (organizationId: string) => Promise<void>
}

const SessionContext = createContext<Session | null>(null)

/**
 * Whether someone is signed in. A reload loses the in-memory access token, so the page first
 * tries to resume through the session cookie; only when that fails does it ask to sign in.
 */
export function SessionProvider({ client, queryClient, children }: { client: Brandwave; queryClient: QueryClient; children: ReactNode }): ReactNode {
  const [status, setStatus] = useState<Session['status']>('resuming')

  useEffect(() => {
    let cancelled = false
    client.auth.browserSession.resume({ maxRetries: 0 }).then(
      () => !cancelled && setStatus('signed-in'),
      () => !cancelled && setStatus('signed-out'),
    )
    return () => {
      cancelled = true
    }
  }, [client])

  const signIn = useCallback(
    async (input: SignInInput) => {
      await client.auth.browserSession.start(input)
      queryClient.clear()
      setStatus('signed-in')
    },
    [client, queryClient],
  )
  const signOut = useCallback(async () => {
    try {
      await client.auth.browserSession.end()
    } finally {
      queryClient.clear()
      setStatus('signed-out')
    }
  }, [client, queryClient])

  const switchOrganization = useCallback(
    async (organizationId: string) => {
      await client.auth.browserSession.switchOrganization({ organizationId })
      // Everything cached belonged to the other organization; what is on screen loads again.
      await queryClient.resetQueries()
    },
    [client, queryClient],
  )

  const session = useMemo(() => ({ status, signIn, signOut, switchOrganization }), [status, signIn, signOut, switchOrganization])
  return (
    <QueryClientProvider client={queryClient}>
      <BrandwaveProvider client={client} queryClient={queryClient}>
        <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
      </BrandwaveProvider>
    </QueryClientProvider>
  )
}

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (session === null) throw new Error('useSession needs a <SessionProvider> ancestor')
  return session
}

export type SessionMe = Extract<ResponseOf<'getMe'>['data'], { type: 'session' }>

/** The signed-in user, once known. */
export function useSignedInUser(): SessionMe | undefined {
  const { data } = useMe()
  return data?.data.type === 'session' ? data.data : undefined
}
