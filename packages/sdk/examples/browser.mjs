// What a browser bundle of the client looks like: bundled by the tests for the browser
// platform, to prove the client needs nothing but fetch and Web Crypto.
import { Brandwave } from '@brandwave/sdk'

export async function listMyTokens(baseUrl, token) {
  const bw = new Brandwave({ baseUrl, token })
  const { items } = await bw.personalAccessTokens.list({ status: 'active' })
  return items.map((item) => item.name)
}
