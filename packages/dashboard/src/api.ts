import { Brandwave, BrandwaveError } from '@brandwave/sdk'
import { QueryClient } from '@tanstack/react-query'

/**
 * The one client of the page. Same origin as the server that served it; the session's
 * refresh token stays in its HttpOnly cookie, the access token only in this client's memory.
 */
export function createClient(): Brandwave {
  return new Brandwave({ baseUrl: window.location.origin, sessionCookie: true })
}

export function createQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } })
}

/** What to tell a person about a failed call: the API's own message, and each field's problem. */
export function describeError(error: unknown): { message: string; details: string[] } {
  if (error instanceof BrandwaveError) {
    return { message: error.message, details: error.details.map((detail) => `${detail.field}: ${detail.message}`) }
  }
  return { message: error instanceof Error ? error.message : 'Something went wrong.', details: [] }
}
