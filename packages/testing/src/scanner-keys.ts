import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'

/** A signing key pair as a secret-scanning partner holds one. */
export interface ScannerKey {
  readonly identifier: string
  readonly privateKey: KeyObject
  readonly publicPem: string
}

export function scannerKey(identifier: string, namedCurve: 'prime256v1' | 'secp384r1' = 'prime256v1'): ScannerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve })
  return { identifier, privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }
}

/** Base64 DER ECDSA-SHA-256 over the exact bytes, as GitHub signs an alert. */
export function signAlert(key: ScannerKey, body: string): string {
  return sign('sha256', Buffer.from(body), key.privateKey).toString('base64')
}

/**
 * The partner's public key endpoint, on loopback (never GitHub itself): it serves whatever
 * keys the test publishes, in GitHub's shape, or fails when told to.
 */
export class ScannerKeyEndpoint {
  keys: ScannerKey[] = []
  failing = false
  fetches = 0
  private server: Server | undefined
  url = ''

  async start(): Promise<string> {
    this.server = createServer((_request, response) => {
      this.fetches += 1
      if (this.failing) {
        response.writeHead(503).end()
        return
      }
      const document = { public_keys: this.keys.map((key, index) => ({ key_identifier: key.identifier, key: key.publicPem, is_current: index === 0 })) }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    this.url = `http://127.0.0.1:${address.port}/meta/public_keys/secret_scanning`
    return this.url
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())))
  }
}
