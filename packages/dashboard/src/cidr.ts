/** Whether `text` is an IPv4 or IPv6 address, optionally with a CIDR prefix length, as the API accepts. */
export function isIpOrCidr(text: string): boolean {
  const [address = '', prefix, extra] = text.split('/')
  if (extra !== undefined) return false
  if (isIpv4(address)) return prefix === undefined || isPrefix(prefix, 32)
  if (isIpv6(address)) return prefix === undefined || isPrefix(prefix, 128)
  return false
}

function isPrefix(text: string, max: number): boolean {
  return /^\d{1,3}$/.test(text) && Number(text) <= max
}

function isIpv4(text: string): boolean {
  const parts = text.split('.')
  return parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)
}

function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split('::').length > 2) return false
  let groups = text.split(':')
  const last = groups[groups.length - 1] ?? ''
  let count = 0
  if (last.includes('.')) {
    if (!isIpv4(last)) return false
    groups = groups.slice(0, -1)
    count += 2
  }
  const compressed = text.includes('::')
  for (const group of groups) {
    if (group === '') continue
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false
    count += 1
  }
  return compressed ? count < 8 : count === 8 && !groups.includes('')
}

/** One problem per bad line, worded for the person typing. */
export function allowedIpProblems(text: string): string[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '' && !isIpOrCidr(line))
    .map(({ line, number }) => `Line ${number}: “${line}” is not an IP address or CIDR range (like 203.0.113.0/24 or 2001:db8::/32).`)
}

export function allowedIpList(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '')
}
