import { generateToken } from '@brandwave/core'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { oauthModelRepository } from '../storage/oauth.js'
import type { Database } from '../storage/schema.js'
import type { Kysely } from 'kysely'
import { withBrokenChecksum } from '@brandwave/testing/actors'
import { oauthAdapterFactory } from './adapter.js'

/** A database that fails the test if it is asked anything. */
const untouchable = new Proxy({}, {
  get() {
    throw new Error('the database was queried')
  },
}) as Kysely<Database>

describe('the oidc-provider storage adapter', () => {
  const adapterFor = oauthAdapterFactory({
    repository: oauthModelRepository(untouchable, 'sqlite'),
    tokenPrefixes: ['bw'],
    tokenHashKey: randomBytes(32),
    sealKey: randomBytes(32),
    accessVersion: { read: () => 0, bump: () => Promise.resolve() },
    onGrantRevoked: () => Promise.resolve(),
  })

  it('refuses malformed and bad-checksum access and refresh tokens before any query', async () => {
    for (const [model, kind] of [['AccessToken', 'at'], ['RefreshToken', 'rt']] as const) {
      const adapter = adapterFor(model)
      const good = generateToken('bw', kind, randomBytes)
      for (const presented of ['', 'nope', withBrokenChecksum(good), good.replace(`_${kind}_`, '_live_'), `xx${good.slice(2)}`, good + 'a']) {
        expect(await adapter.find(presented), presented).toBeUndefined()
      }
    }
  })
})
