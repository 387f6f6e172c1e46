import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HTML_CSP } from './openapi.js'

/** Where `npm run build` puts the dashboard: packages/dashboard/dist, seen from src/http or dist/http. */
export const DEFAULT_DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dashboard', 'dist')

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
}

/** Paths that belong to the API and its documents: an unknown one stays a JSON 404, never the app. */
const SERVER_PATHS = ['/v1/', '/api/', '/oauth/', '/.well-known/', '/docs']
const SERVER_FILES = new Set(['/v1', '/api', '/openapi.json', '/healthz', '/readyz', '/metrics'])

// Vite names every asset after a hash of its content, so a name never changes meaning.
const IMMUTABLE = 'public, max-age=31536000, immutable'

interface StaticFile {
  readonly body: Buffer
  readonly contentType: string
}

function readTree(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  const walk = (directory: string) => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name)
      if (statSync(path).isDirectory()) walk(path)
      else files.set(`/${relative(root, path).split(sep).join('/')}`, { body: readFileSync(path), contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream' })
    }
  }
  walk(root)
  return files
}

/** The OAuth sign-in and consent page is the dashboard's, at the path oidc-provider sends browsers to. */
const OAUTH_INTERACTION_PAGE = /^\/oauth\/interaction\/[A-Za-z0-9_-]+$/

function isServerPath(path: string): boolean {
  if (OAUTH_INTERACTION_PAGE.test(path)) return false
  return SERVER_FILES.has(path) || SERVER_PATHS.some((prefix) => path.startsWith(prefix))
}

/**
 * Serves the dashboard (SPEC §12) at `/`: its built files, held in memory (a few hundred KB),
 * and `index.html` for every other page path so that deep links survive a reload. Returns
 * false, serving nothing, when the dashboard has not been built.
 */
export function registerDashboard(app: FastifyInstance, directory: string = DEFAULT_DASHBOARD_DIR): boolean {
  if (!existsSync(join(directory, 'index.html'))) return false
  const files = readTree(directory)
  const index = files.get('/index.html')
  if (index === undefined) return false

  const serve = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?', 1)[0] ?? '/'
    if (isServerPath(path)) return reply.callNotFound()
    const file = files.get(path)
    if (file !== undefined && path !== '/index.html') {
      return reply.header('cache-control', IMMUTABLE).type(file.contentType).send(file.body)
    }
    // A missing asset is a 404, not the page: a browser would try to run HTML as a script.
    if (path.startsWith('/assets/') || extname(path) !== '') return reply.callNotFound()
    return reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', HTML_CSP)
      .header('x-frame-options', 'DENY')
      .type(index.contentType)
      .send(index.body)
  }
  app.get('/', { schema: { hide: true } }, serve)
  app.get('/*', { schema: { hide: true } }, serve)
  return true
}
