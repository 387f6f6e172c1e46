import ipaddr from 'ipaddr.js'

/**
 * Why an address may not receive a server-initiated request (webhooks), or null when it may.
 * Only global unicast passes: loopback, private (RFC 1918, unique-local), link-local (which
 * holds the cloud metadata endpoint 169.254.169.254), carrier-grade NAT (Alibaba's
 * 100.100.100.200 metadata), multicast and reserved ranges are all refused, so a webhook
 * URL cannot be turned against the server's own network.
 *
 * @example
 * addressRefusal('169.254.169.254') // 'linkLocal'
 * addressRefusal('93.184.216.34') // null
 */
export function addressRefusal(text: string): string | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  if (!ipaddr.isValid(bare)) return 'invalid'
  let address = ipaddr.parse(bare)
  // ::ffff:10.0.0.1 reaches 10.0.0.1: judge the IPv4 address it carries.
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) address = address.toIPv4Address()
  const range = address.range()
  return range === 'unicast' ? null : range
}
