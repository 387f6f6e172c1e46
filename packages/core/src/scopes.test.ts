import { describe, expect, it } from 'vitest'
import { createScopeCatalog, effectiveScopes, missingScopes, type Scope } from './scopes.js'

describe('scope catalog', () => {
  const catalog = createScopeCatalog(['contacts', 'leads'])

  it('lists four actions for every built-in and host resource, each described', () => {
    expect(catalog.scopes).toHaveLength(8 * 4)
    expect(catalog.has('contacts:workflow')).toBe(true)
    expect(catalog.has('invoices:read')).toBe(false)
    for (const s of catalog.scopes) expect(s.description.length).toBeGreaterThan(10)
  })

  it('gives company_admin every scope and member the host scopes and their own tokens', () => {
    expect(catalog.roleScopes('company_admin').size).toBe(32)
    const member = catalog.roleScopes('member')
    expect(member.has('contacts:delete')).toBe(true)
    expect(member.has('personal_access_tokens:write')).toBe(true)
    expect(member.has('api_keys:read')).toBe(false)
    expect(member.has('members:read')).toBe(false)
    expect(member.has('webhooks:read')).toBe(false)
  })

  it('ignores a host resource that shadows a built-in one', () => {
    expect(createScopeCatalog(['api_keys']).scopes).toHaveLength(6 * 4)
  })
})

describe('effective scopes', () => {
  const owner = new Set<Scope>(['contacts:read', 'contacts:write'])

  it('inherits the owner’s scopes when the credential has none of its own', () => {
    expect(effectiveScopes(null, owner)).toBe(owner)
  })

  it('bounds the credential’s scopes by the owner’s current ones', () => {
    expect([...effectiveScopes(['contacts:read', 'api_keys:write'], owner)]).toEqual(['contacts:read'])
  })

  it('names the scopes a minter lacks', () => {
    expect(missingScopes(['contacts:read', 'leads:read'], owner)).toEqual(['leads:read'])
  })
})
