import ipaddr from 'ipaddr.js'

/** A parsed allowlist entry: an address with its prefix length (a single address is /32 or /128). */
export type IpRange = readonly [ipaddr.IPv4 | ipaddr.IPv6, number]

// ipaddr.js also accepts legacy IPv4 spellings (`127.1`, `0x7f.0.0.1`, octal); an allowlist
// must mean exactly what it shows, so IPv4 is only accepted in four-part decimal form.
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text)
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text)
  return null
}

/**
 * Parses one allowlist entry (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`); null when invalid.
 * IPv4-mapped IPv6 ranges (`::ffff:10.0.0.0/104`) become the IPv4 range they denote,
 * because client addresses are unwrapped the same way before matching.
 *
 * @example
 * parseIpRange('10.0.0.0/8') // [IPv4 10.0.0.0, 8]
 */
export function parseIpRange(text: string): IpRange | null {
  if (text.length > 64) return null
  const slash = text.indexOf('/')
  const address = parseAddress(slash < 0 ? text : text.slice(0, slash))
  if (address === null) return null
  const max = address.kind() === 'ipv4' ? 32 : 128
  let prefix = max
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1)
    if (!/^\d{1,3}$/.test(prefixText)) return null
    prefix = Number(prefixText)
    if (prefix > max) return null
  }
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) {
    if (prefix < 96) return null
    return [address.toIPv4Address(), prefix - 96]
  }
  return [address, prefix]
}

/**
 * A stored allowlist as ranges; null (any address) stays null. Entries were validated
 * when stored, so one that no longer parses is dropped rather than failing the caller.
 *
 * @example
 * parseAllowlist(['10.0.0.0/8']) // [[IPv4 10.0.0.0, 8]]
 */
export function parseAllowlist(entries: readonly string[] | null): IpRange[] | null {
  return entries === null ? null : entries.map(parseIpRange).filter((range): range is IpRange => range !== null)
}

/**
 * The canonical spelling of an allowlist entry: network address and prefix, so `10.1.2.3/8`
 * is stored as `10.0.0.0/8` and two spellings of one range compare equal.
 *
 * @example
 * normalizeIpRange('10.1.2.3/8') // '10.0.0.0/8'
 */
export function normalizeIpRange(text: string): string | null {
  const range = parseIpRange(text)
  if (range === null) return null
  const [address, prefix] = range
  const network = address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
  return `${network.toString()}/${prefix}`
}

/**
 * Parses a client address as seen on a socket, in `X-Forwarded-For` or sent to
 * `POST /v1/keys/verify`, unwrapping IPv4-mapped IPv6 (`::ffff:203.0.113.7`) so it matches
 * IPv4 ranges. The same strict reading as allowlist entries: IPv4 only in four-part decimal
 * (`010.0.0.1` would otherwise be read as octal 8.0.0.1, and `167772161` as 10.0.0.1), so an
 * address means what it shows wherever it is read.
 *
 * @example
 * parseClientIp('::ffff:10.0.0.1')?.toString() // '10.0.0.1'
 * parseClientIp('010.0.0.1') // null
 */
export function parseClientIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (text.length > 64) return null
  const address = parseAddress(text)
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) return address.toIPv4Address()
  return address
}

/**
 * Whether the client address falls in any range. A null allowlist allows every address.
 *
 * @example
 * ipAllowed(parseClientIp('10.2.3.4'), [parseIpRange('10.0.0.0/8')!]) // true
 */
export function ipAllowed(client: ipaddr.IPv4 | ipaddr.IPv6 | null, allowlist: readonly IpRange[] | null): boolean {
  if (allowlist === null) return true
  if (client === null) return false
  for (const [address, prefix] of allowlist) {
    if (address.kind() === client.kind() && client.match(address, prefix)) return true
  }
  return false
}

/**
 * Whether every address `inner` allows is also allowed by `outer`. A null list allows
 * every address, so only a null `outer` contains a null `inner`.
 *
 * @example
 * allowlistWithin([parseIpRange('10.1.0.0/16')!], [parseIpRange('10.0.0.0/8')!]) // true
 */
export function allowlistWithin(inner: readonly IpRange[] | null, outer: readonly IpRange[] | null): boolean {
  if (outer === null) return true
  if (inner === null) return false
  return inner.every(([address, prefix]) =>
    outer.some(([outerAddress, outerPrefix]) => address.kind() === outerAddress.kind() && prefix >= outerPrefix && address.match(outerAddress, outerPrefix)),
  )
}

/**
 * The key a client address is counted under for throttling: an IPv4 address as is, an
 * IPv6 address by its /64 (one subscriber holds a whole /64, so per-address counting
 * would let them rotate through 2^64 addresses). Spellings of one address agree.
 *
 * @example
 * clientThrottleKey('2001:DB8::1') === clientThrottleKey('2001:db8:0:0::2') // true
 */
export function clientThrottleKey(ip: string): string {
  const address = parseClientIp(ip.split('%', 1)[0] ?? ip)
  if (address === null) return `unparsed:${ip}`
  if (address.kind() === 'ipv4') return address.toString()
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16))
  return `${parts.join(':')}::/64`
}
