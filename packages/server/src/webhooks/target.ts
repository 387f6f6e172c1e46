import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP } from 'node:net'
import { addressRefusal } from '@brandwave/core'

/** A webhook target the server must not call: see `addressRefusal`. */
export class RefusedTargetError extends Error {
  readonly code = 'EREFUSEDTARGET'
  constructor(readonly host: string, readonly range: string) {
    super(`refused: ${host} is a ${range} address`)
    this.name = 'RefusedTargetError'
  }
}

function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))))
}

/**
 * Why a URL's host may not receive webhooks, or null when it may: every address it
 * resolves to must be public, since a client may connect to any of them.
 */
export async function targetRefusal(url: URL): Promise<string | null> {
  const host = bare(url.hostname)
  if (isIP(host) !== 0) return addressRefusal(host)
  let addresses: LookupAddress[]
  try {
    addresses = await resolveAll(host)
  } catch {
    return 'unresolvable'
  }
  for (const { address } of addresses) {
    const range = addressRefusal(address)
    if (range !== null) return range
  }
  return addresses.length === 0 ? 'unresolvable' : null
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for the socket that connects to a webhook receiver: it resolves the name,
 * refuses the connection when any address is not public, and hands the socket exactly the
 * addresses it checked, so DNS cannot answer differently between check and connect.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolveAll(hostname).then(
      (addresses) => {
        const refused = allowPrivate ? undefined : addresses.map(({ address }) => addressRefusal(address)).find((range) => range !== null)
        if (refused !== undefined && refused !== null) {
          callback(new RefusedTargetError(hostname, refused), '')
          return
        }
        const first = addresses[0]
        if (first === undefined) {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '')
          return
        }
        if (options.all === true) callback(null, addresses)
        else callback(null, first.address, first.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    )
  }
}

/** An IP literal in the URL never goes through a lookup: it is checked here instead. */
export function literalRefusal(url: URL): string | null {
  const host = bare(url.hostname)
  return isIP(host) === 0 ? null : addressRefusal(host)
}
