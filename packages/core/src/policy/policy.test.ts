import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decideCredential } from './credential-decision.js'
import { credentialStatus } from './credential-status.js'
import { reachViolations } from './credential-bounds.js'
import { clientThrottleKey, ipAllowed, normalizeIpRange, parseClientIp, parseIpRange } from './ip-allowlist.js'
import { addressRefusal } from './network-target.js'
import { contextWords, passwordProblem } from './password.js'
import { decideRateLimit, decideThrottle } from './rate-limit.js'

describe('credential status', () => {
  const now = Date.parse('2026-06-01T00:00:00Z')
  it('is active without expiry or revocation, expired from the instant of expiry, revoked above all', () => {
    expect(credentialStatus({ expiresAt: null, revokedAt: null }, now)).toBe('active')
    expect(credentialStatus({ expiresAt: now + 1, revokedAt: null }, now)).toBe('active')
    expect(credentialStatus({ expiresAt: now, revokedAt: null }, now)).toBe('expired')
    expect(credentialStatus({ expiresAt: now - 1, revokedAt: now - 5 }, now)).toBe('revoked')
  })
})

describe('credential decision', () => {
  const now = Date.parse('2026-06-01T00:00:00Z')
  const live = { organizationId: 'org', revoked: false, expiresAtMs: null, ownerGone: false, allowlist: null }
  it('refuses another organization first, then revoked over expired, a gone owner, and an address outside the allowlist', () => {
    expect(decideCredential(live, { now, ip: null })).toEqual({ usable: true })
    expect(decideCredential({ ...live, revoked: true }, { now, ip: null, organizationId: 'other' })).toEqual({ usable: false, code: 'NOT_FOUND' })
    expect(decideCredential({ ...live, revoked: true, expiresAtMs: now - 1 }, { now, ip: null })).toEqual({ usable: false, code: 'REVOKED' })
    expect(decideCredential({ ...live, expiresAtMs: now }, { now, ip: null })).toEqual({ usable: false, code: 'EXPIRED' })
    expect(decideCredential({ ...live, ownerGone: true }, { now, ip: null })).toEqual({ usable: false, code: 'REVOKED' })
    const allowlisted = { ...live, allowlist: [parseIpRange('10.0.0.0/8')!] }
    expect(decideCredential(allowlisted, { now, ip: '10.1.2.3' })).toEqual({ usable: true })
    expect(decideCredential(allowlisted, { now, ip: '010.1.2.3' })).toEqual({ usable: false, code: 'IP_NOT_ALLOWED' })
    expect(decideCredential(allowlisted, { now, ip: null })).toEqual({ usable: false, code: 'IP_NOT_ALLOWED' })
  })
})

describe('IP allowlist', () => {
  it('accepts addresses and CIDR ranges of both families and normalizes them', () => {
    expect(normalizeIpRange('203.0.113.7')).toBe('203.0.113.7/32')
    expect(normalizeIpRange('10.1.2.3/8')).toBe('10.0.0.0/8')
    expect(normalizeIpRange('2001:DB8::1/32')).toBe('2001:db8::/32')
    expect(normalizeIpRange('::1')).toBe('::1/128')
  })

  it('refuses ambiguous or invalid spellings', () => {
    for (const bad of ['127.1', '0x7f.0.0.1', '010.0.0.1x', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', 'localhost', '', '1.2.3.4/08a']) {
      expect(parseIpRange(bad), bad).toBeNull()
    }
  })

  it('matches IPv4, IPv6 and IPv4-mapped IPv6 clients', () => {
    const list = [parseIpRange('10.0.0.0/8')!, parseIpRange('2001:db8::/32')!]
    expect(ipAllowed(parseClientIp('10.200.0.1'), list)).toBe(true)
    expect(ipAllowed(parseClientIp('::ffff:10.0.0.9'), list)).toBe(true)
    expect(ipAllowed(parseClientIp('2001:db8:1::5'), list)).toBe(true)
    expect(ipAllowed(parseClientIp('11.0.0.1'), list)).toBe(false)
    expect(ipAllowed(parseClientIp('2001:db9::1'), list)).toBe(false)
    expect(ipAllowed(null, list)).toBe(false)
    expect(ipAllowed(parseClientIp('11.0.0.1'), null)).toBe(true)
  })

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (text) => {
      parseIpRange(text)
      parseClientIp(text)
    }))
  })
})

describe('rate-limit decision', () => {
  it('allows up to the limit and reports what is left', () => {
    expect(decideRateLimit(3, { consumed: 1, msBeforeReset: 59_001 })).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 60 })
    expect(decideRateLimit(3, { consumed: 3, msBeforeReset: 10 })).toEqual({ allowed: true, limit: 3, remaining: 0, resetSeconds: 1 })
  })

  it('refuses past the limit with Retry-After', () => {
    expect(decideRateLimit(3, { consumed: 4, msBeforeReset: 12_400 })).toEqual({
      allowed: false, limit: 3, remaining: 0, resetSeconds: 13, retryAfterSeconds: 13,
    })
  })
})

describe('password policy', () => {
  it('asks for 12 to 256 characters, counted as code points, and refuses common passwords', () => {
    expect(passwordProblem('short')).toBe('too_short')
    expect(passwordProblem('🔑'.repeat(11))).toBe('too_short')
    expect(passwordProblem('x'.repeat(257))).toBe('too_long')
    expect(passwordProblem('Password1234')).toBe('too_common')
    expect(passwordProblem('correct horse battery staple')).toBeNull()
  })

  it('refuses the product’s name and the words of the account’s own details, in any case', () => {
    const context = contextWords('grace.hopper@navy.example', 'Grace Hopper', "Grace's company")
    expect(context).toEqual(expect.arrayContaining(['grace', 'hopper', 'navy', 'example', 'company']))
    expect(context).not.toContain('s')
    for (const password of ['GraceHopper1906', 'my navy days are long gone', 'welcome to brandwave', 'Brandwave rocks, truly']) {
      expect(passwordProblem(password, context), password).toBe('contains_context_word')
    }
    expect(passwordProblem('brandwave is the best', [])).toBe('contains_context_word')
    // Pieces under four characters do not count: "Ann" may keep "annual leave forever".
    expect(passwordProblem('annual leave forever', contextWords('ann@x.io', 'Ann Li'))).toBeNull()
    expect(passwordProblem('correct horse battery staple', context)).toBeNull()
  })
})

describe('credential reach', () => {
  const bound = {
    expiresAt: 1_000,
    allowlist: [parseIpRange('10.0.0.0/8')!],
    requestsPerMinute: 60,
  }

  it('accepts a candidate within every bound, and checks only the parts given', () => {
    expect(reachViolations({ expiresAt: 999, allowlist: [parseIpRange('10.1.0.0/16')!], requestsPerMinute: 60 }, bound)).toEqual([])
    expect(reachViolations({}, bound)).toEqual([])
  })

  it('names each way a candidate reaches further', () => {
    expect(reachViolations({ expiresAt: null }, bound)).toEqual(['expiresAt'])
    expect(reachViolations({ expiresAt: 1_001 }, bound)).toEqual(['expiresAt'])
    expect(reachViolations({ allowlist: null }, bound)).toEqual(['allowedIps'])
    expect(reachViolations({ allowlist: [parseIpRange('0.0.0.0/0')!] }, bound)).toEqual(['allowedIps'])
    expect(reachViolations({ allowlist: [parseIpRange('2001:db8::/32')!] }, bound)).toEqual(['allowedIps'])
    expect(reachViolations({ requestsPerMinute: 61 }, bound)).toEqual(['rateLimit'])
  })

  it('lets anything through an unbounded lifetime and allowlist', () => {
    expect(reachViolations({ expiresAt: null, allowlist: null }, { ...bound, expiresAt: null, allowlist: null })).toEqual([])
  })
})

describe('IPv4-mapped allowlist entries', () => {
  it('become the IPv4 range they denote, so they match IPv4 clients', () => {
    expect(normalizeIpRange('::ffff:127.0.0.1')).toBe('127.0.0.1/32')
    expect(normalizeIpRange('::ffff:10.0.0.0/104')).toBe('10.0.0.0/8')
    expect(normalizeIpRange('::ffff:0:0/95')).toBeNull()
    expect(ipAllowed(parseClientIp('127.0.0.1'), [parseIpRange('::ffff:127.0.0.1')!])).toBe(true)
  })
})

describe('throttle decision', () => {
  it('allows attempts within every allowance (this one counted), refuses past one, and waits for the longest refusing window', () => {
    expect(decideThrottle([{ count: null, allowance: 5 }, { count: { failures: 5, msBeforeReset: 9_000 }, allowance: 5 }])).toEqual({ allowed: true })
    expect(decideThrottle([{ count: { failures: 6, msBeforeReset: 60_500 }, allowance: 5 }])).toEqual({ allowed: false, retryAfterSeconds: 61, firstRefusal: true })
    expect(
      decideThrottle([
        { count: { failures: 9, msBeforeReset: 30_000 }, allowance: 5 },
        { count: { failures: 50, msBeforeReset: 600_000 }, allowance: 20 },
      ]),
    ).toEqual({ allowed: false, retryAfterSeconds: 600, firstRefusal: false })
  })

  it('keys IPv6 clients by /64 and every spelling of an address alike', () => {
    const key = clientThrottleKey('2001:db8::1')
    for (const spelling of ['2001:DB8::1', '2001:db8:0:0::1', '2001:0db8::0001', '2001:db8::2', '2001:db8::1%eth0', '2001:db8:0:0:ffff::9']) {
      expect(clientThrottleKey(spelling), spelling).toBe(key)
    }
    expect(clientThrottleKey('2001:db8:0:1::1')).not.toBe(key)
    expect(clientThrottleKey('::ffff:203.0.113.9')).toBe('203.0.113.9')
    expect(clientThrottleKey('203.0.113.9')).toBe('203.0.113.9')
  })
})

describe('webhook targets', () => {
  it.each([
    ['169.254.169.254', 'linkLocal'],
    ['10.0.0.1', 'private'],
    ['192.168.1.10', 'private'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['100.100.100.200', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['fe80::1', 'linkLocal'],
  ])('refuses %s (%s)', (address, range) => {
    expect(addressRefusal(address)).toBe(range)
  })

  it('lets public unicast addresses through', () => {
    expect(addressRefusal('93.184.216.34')).toBeNull()
    expect(addressRefusal('2606:4700:4700::1111')).toBeNull()
  })
})
