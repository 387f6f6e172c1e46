/**
 * A running Brandwave to talk to: a test server of this process (anything with its `url`),
 * or the base URL of one started elsewhere (a process from the build, one of several).
 */
export type ServerTarget = string | { readonly url: string }

export const baseUrlOf = (target: ServerTarget): string => (typeof target === 'string' ? target : target.url)

/** A response as the tests look at it. */
export interface TestResponse<T = any> {
  readonly status: number
  readonly headers: Headers
  readonly body: T
  readonly text: string
}

export interface RequestOptions {
  readonly token?: string
  /** Which header carries `token` (default: Authorization: Bearer). */
  readonly via?: 'authorization' | 'x-api-key' | 'api-token'
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

/** Sends one real HTTP request to a running server. */
export async function request<T = any>(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<TestResponse<T>> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) {
    if (options.via === 'x-api-key') headers['x-api-key'] = options.token
    else if (options.via === 'api-token') headers['api-token'] = options.token
    else headers.authorization = `Bearer ${options.token}`
  }
  let body: string | undefined
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined && { body }) })
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    // not JSON (an HTML page, say): tests read `text`
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text }
}

/**
 * Sends bytes exactly as given over a plain TCP connection and returns the raw response:
 * for requests `fetch` would refuse or normalize (broken escapes, oversized headers).
 */
export async function rawRequest(baseUrl: string, head: string): Promise<{ status: number; headers: string; body: string }> {
  const { connect } = await import('node:net')
  const url = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(head))
    let data = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (data += chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const [headers = '', body = ''] = data.split('\r\n\r\n')
      resolve({ status: Number(headers.split(' ')[1]), headers, body })
    })
    socket.setTimeout(5000, () => socket.destroy(new Error('raw request timed out')))
  })
}
