import { baseUrlOf, request, type ServerTarget } from './http.js'

/** The sum of a Prometheus counter over all its labels, as `/metrics` reports it now. */
export async function counterTotal(target: ServerTarget, name: string): Promise<number> {
  const text = (await request(baseUrlOf(target), 'GET', '/metrics')).text
  const samples = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, 'gm')
  return [...text.matchAll(samples)].reduce((sum, match) => sum + Number(match[1]), 0)
}

/** Storage reads by the verification path so far (cache misses): warm and malformed requests make none. */
export function storageLookups(target: ServerTarget): Promise<number> {
  return counterTotal(target, 'brandwave_credential_storage_lookups_total')
}
