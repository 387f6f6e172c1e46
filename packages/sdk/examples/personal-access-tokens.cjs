// A personal access token's life (create, list, rotate, revoke), as a CommonJS user writes it. Run against a server:
//   BRANDWAVE_BASE_URL=http://localhost:3000 BRANDWAVE_TOKEN=bw_live_… node examples/personal-access-tokens.cjs
const { Brandwave, BrandwaveNotFoundError } = require('@brandwave/sdk')

async function main() {
  const bw = new Brandwave({ token: process.env.BRANDWAVE_TOKEN, baseUrl: process.env.BRANDWAVE_BASE_URL })

  const { data: created } = await bw.personalAccessTokens.create({ name: 'My Campaign' })
  const { items, totalCount } = await bw.personalAccessTokens.list()
  const { data: rotated } = await bw.personalAccessTokens.rotate({ id: created.id })
  const { data: revoked } = await bw.personalAccessTokens.revoke({ id: rotated.id })
  const missing = await bw.personalAccessTokens.get({ id: '01936f0e-8a5e-7cc2-9d2b-3f4e5a6b7c8d' }).catch((error) => error)

  console.log(JSON.stringify({ format: 'cjs', created: created.name, listed: items.length, totalCount, rotated: rotated.id !== created.id, revoked: revoked.status, notFound: missing instanceof BrandwaveNotFoundError }))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
