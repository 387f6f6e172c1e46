// A personal access token's life (create, list, rotate, revoke), as a Node ESM user writes it. Run against a server:
//   BRANDWAVE_BASE_URL=http://localhost:3000 BRANDWAVE_TOKEN=bw_live_… node examples/personal-access-tokens.mjs
import { Brandwave } from '@brandwave/sdk'

const bw = new Brandwave({ token: process.env.BRANDWAVE_TOKEN, baseUrl: process.env.BRANDWAVE_BASE_URL })

const { data: created } = await bw.personalAccessTokens.create({ name: 'My Campaign' })
const { items, totalCount, facets } = await bw.personalAccessTokens.list()
const { data: rotated } = await bw.personalAccessTokens.rotate({ id: created.id })
const { data: revoked } = await bw.personalAccessTokens.revoke({ id: rotated.id })

console.log(JSON.stringify({ format: 'esm', created: created.name, listed: items.length, totalCount, facets, rotated: rotated.id !== created.id, revoked: revoked.status }))
