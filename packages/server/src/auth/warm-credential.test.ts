import { describe, expect, it } from 'vitest'
import type { CredentialRecord } from '../storage/credentials.js'
import { storedCredential as plain } from './stored-credential.fixture.js'
import { CachedCredential, WarmCredential } from './warm-credential.js'

const everythingSet: CredentialRecord = {
  ...plain,
  ownerKind: 'user',
  ownerUserId: '0194a7c2-7d7e-7000-8000-0000000000bb',
  environment: 'test',
  name: 'Ünïcode, "quotes", [brackets] and \\ backslashes',
  scopes: ['members:read', 'api_keys:read'],
  allowedIps: ['203.0.113.0/24', '2001:db8::/32'],
  rateLimitPerMinute: 120,
  createdBy: { type: 'api_key', id: null, name: 'automation' },
  updatedAt: '2026-11-21T08:30:00.123Z',
  expiresAt: '2027-01-01T00:00:00.000Z',
  revokedAt: '2026-11-22T00:00:00.000Z',
  revokedReason: 'rotated',
  exposedAt: '2026-11-21T12:00:00.000Z',
  exposedUrl: 'https://example.com/leak',
  lastUsedAt: '2026-11-21T09:00:00.500Z',
  lastUsedIp: '2001:db8::1',
  familyId: '0194a7c2-7d7e-7000-8000-0000000000ff',
  rotatedFromId: '0194a7c2-7d7e-7000-8000-0000000000fe',
  rotatedToId: '0194a7c2-7d7e-7000-8000-000000000002',
  externalId: 'cus_"42"',
  metadataJson: '{"plan":"pro","nested":{"a":[1,2,"\\u00e9"]}}',
  remaining: 7,
  refill: { interval: 'monthly', amount: 100, day: 31 },
  refilledAt: '2026-11-01T00:00:00.000Z',
  disabledAt: '2026-11-21T10:00:00.000Z',
  firstUseGraceSeconds: 3600,
}

describe('a warm credential keeps the stored record exactly', () => {
  it.each([
    ['usual fields only', plain],
    ['every field set, odd characters included', everythingSet],
    // A time not in the canonical ISO form is kept as it was stored, not reformatted.
    ['times in another form', { ...plain, createdAt: '2026-11-20 10:00:00', lastUsedAt: '2026-11-20T10:00:00Z' }],
  ])('%s', (_name, record) => {
    const cached = new CachedCredential(record)
    for (const field of Object.keys(record) as (keyof CredentialRecord)[]) expect(cached[field], field).toEqual(record[field])
    // Reading another record's packed fields in between must not mix them up.
    const other = new CachedCredential({ ...plain, id: 'other', start: 'bw_live_OTHR' })
    expect(other.start).toBe('bw_live_OTHR')
    expect(cached.start).toBe(record.start)
  })

  it('is the principal and the state the decision reads', () => {
    const warm = new WarmCredential({ record: everythingSet, ownerRole: null, ownerName: 'Ada', scopes: new Set(['api_keys:read']), defaultRateLimitPerMinute: 1000 })
    expect(warm.principal).toBe(warm)
    expect(warm).toMatchObject({ kind: 'credential', type: 'personal_access_token', organizationId: everythingSet.organizationId, userId: everythingSet.ownerUserId, userName: 'Ada', role: null })
    expect(warm).toMatchObject({ revoked: true, ownerGone: true, disabled: true, metered: true, awaitsFirstUse: false, expiresAtMs: Date.parse('2027-01-01T00:00:00.000Z') })
    expect(warm.allowlist).toHaveLength(2)
    expect(warm.rateLimit).toEqual({ key: `credential:${everythingSet.id}`, perMinute: 120 })
    const key = new WarmCredential({ record: plain, ownerRole: null, ownerName: null, scopes: new Set(['api_keys:read']), defaultRateLimitPerMinute: 1000 })
    expect(key).toMatchObject({ type: 'api_key', userId: null, ownerGone: false, revoked: false, disabled: false, metered: false, awaitsFirstUse: false, expiresAtMs: null, allowlist: null })
    const successor = new WarmCredential({ record: { ...plain, rotatedFromId: everythingSet.id }, ownerRole: null, ownerName: null, scopes: new Set(['api_keys:read']), defaultRateLimitPerMinute: 1000 })
    expect(successor.awaitsFirstUse).toBe(true)
    expect(key.rateLimit.perMinute).toBe(1000)
  })
})
