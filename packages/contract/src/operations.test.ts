import { describe, expect, it } from 'vitest'
import type { Operation } from './operation.js'
import { operations } from './operations/index.js'

const all = Object.entries(operations) as Array<[string, Operation]>

describe('the operation table', () => {
  it('names every operation after its key, uniquely', () => {
    for (const [name, operation] of all) expect(operation.operationId).toBe(name)
    expect(new Set(all.map(([, operation]) => `${operation.method} ${operation.path}`)).size).toBe(all.length)
  })

  it('gives every state-changing operation a body schema, so unvalidated bodies never reach a handler', () => {
    for (const [name, operation] of all) if (operation.method !== 'GET') expect(operation.body, name).toBeDefined()
  })

  it('requires a scope of every authenticated operation except the self-service ones', () => {
    const scopeless = all.filter(([, operation]) => operation.authentication !== 'none' && operation.scope === undefined).map(([name]) => name)
    expect(scopeless.sort()).toEqual([
      'acceptInvitation', 'changePassword', 'decideOAuthInteraction', 'disableTwoFactor', 'enableTwoFactor', 'endBrowserSession', 'getMe', 'getOAuthInteraction', 'listAuthorizedApps', 'listMyOrganizations', 'listScopes', 'logout', 'regenerateRecoveryCodes', 'requestEmailChange', 'revokeAuthorizedApp', 'setUpTwoFactor', 'switchBrowserSession',
    ])
  })
})
