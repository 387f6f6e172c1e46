import { isAbsolute, resolve } from 'node:path'
import { RESOURCE_NAME_PATTERN, TOKEN_PREFIX_PATTERN } from '@brandwave/core'

/**
 * The deployment's settings, read from the environment once at start (SPEC §8). Nothing
 * else in the server reads `process.env`.
 */
export interface Config {
  readonly port: number
  readonly host: string
  /** Embedded database and generated secret live here (ignored for the database with `databaseUrl`). */
  readonly dataDir: string
  /** PostgreSQL when set; the embedded SQLite database otherwise. */
  readonly databaseUrl: string | null
  readonly redisUrl: string | null
  /** Prefix of every Redis key, so deployments (or test runs) can share one Redis. */
  readonly redisPrefix: string
  /**
   * `strict`: revocation takes effect on the very next request on every instance (the
   * default). `cached`: other instances may serve a revoked credential from their cache
   * for up to 10 seconds — faster with a shared database and no Redis, and weaker.
   */
  readonly revocation: 'strict' | 'cached'
  /** Processes serving on this machine (`BRANDWAVE_WORKERS`, `--workers`). */
  readonly workers: number
  /** `BRANDWAVE_SECRET`; null means "generate one in the data directory" (embedded mode only). */
  readonly secret: string | null
  readonly tokenPrefix: string
  readonly signup: 'open' | 'closed'
  /** The host product's own resource families (`BRANDWAVE_RESOURCES=contacts,leads`). */
  readonly hostResources: readonly string[]
  readonly bootstrap: {
    readonly adminEmail: string | null
    readonly adminPassword: string | null
    readonly organizationName: string
  }
  /**
   * Which proxies may set `X-Forwarded-For`: false (the socket address is the client),
   * true (trust every hop), a hop count, or a list of proxy addresses/CIDRs.
   */
  readonly trustProxy: boolean | number | readonly string[]
  /** Requests per minute for a credential or session that has no limit of its own. */
  readonly defaultRateLimitPerMinute: number
  /**
   * Failed sign-ins allowed in `loginThrottle.windowSeconds`: per account from one address,
   * per address across accounts, and per account from everywhere before it is guarded.
   */
  readonly loginThrottle: { readonly perAccount: number; readonly perIp: number; readonly perAccountTotal: number; readonly windowSeconds: number }
  /** Sign-ups allowed per client address in `signupThrottle.windowSeconds`. */
  readonly signupThrottle: { readonly perIp: number; readonly windowSeconds: number }
  /** Shown as the issuer in authenticator apps. */
  readonly totpIssuer: string
  /** How often `lastUsedAt` / `lastUsedIp` are written, batched, off the request path. */
  readonly usageFlushIntervalMs: number
  /**
   * How many verified credentials, sessions and unknown keys each instance keeps warm (per
   * cache). The caches reserve room for all of them when the server starts.
   */
  readonly cacheEntries: number
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** `iss` of session JWTs and the issuer of OAuth metadata. */
  readonly issuer: string
  /** `BRANDWAVE_PUBLIC_URL` without a trailing slash: the base of every link in emails. */
  readonly publicUrl: string
  /** `BRANDWAVE_SMTP_URL`; null: no email is sent (the operator is told at start). */
  readonly smtpUrl: string | null
  /** `BRANDWAVE_EMAIL_FROM`: the sender of every email. */
  readonly emailFrom: string
  /** How often the mail worker looks for mail that is due (new mail is sent at once anyway). */
  readonly mailPollIntervalMs: number
  readonly webhooks: {
    /** Seconds to wait before each retry of a failed delivery; after the last, it is given up. */
    readonly retrySeconds: readonly number[]
    /** Lets webhook URLs reach loopback, private and link-local addresses (a lab, or tests). */
    readonly allowPrivate: boolean
  }
  /** Days before expiry at which `*.expiring` is sent, largest first. */
  readonly expiryReminderDays: readonly number[]
  readonly leaks: {
    /** `BRANDWAVE_LEAK_ACTION`: revoke a reported credential at once, or only report it. */
    readonly action: 'revoke' | 'notify'
    /** Where GitHub and GitLab publish the keys that sign their secret-scanning alerts. */
    readonly githubKeysUrl: string
    /** GitLab publishes no default for partners: null leaves `/v1/secret-scanning/gitlab` refusing every alert. */
    readonly gitlabKeysUrl: string | null
    /** Calls to `POST /v1/credentials/revoke` per client address per minute. */
    readonly revokeRequestsPerMinute: number
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

type Environment = Readonly<Record<string, string | undefined>>

/**
 * Parses and validates the environment; every problem is reported at once.
 *
 * @example
 * const config = loadConfig(process.env)
 */
export function loadConfig(env: Environment, cwd = process.cwd()): Config {
  const problems: string[] = []
  const text = (name: string): string | null => {
    const value = env[name]?.trim()
    return value === undefined || value === '' ? null : value
  }
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name)
    if (raw === null) return fallback
    const value = Number(raw)
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`)
      return fallback
    }
    return value
  }
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = text(name)
    if (raw === null) return fallback
    if ((allowed as readonly string[]).includes(raw)) return raw as T
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`)
    return fallback
  }

  const databaseUrl = text('DATABASE_URL')
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL')
  const redisUrl = text('REDIS_URL')
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must be a redis:// or rediss:// URL')

  const secret = text('BRANDWAVE_SECRET')
  if (secret !== null && Buffer.byteLength(secret) < 32) problems.push('BRANDWAVE_SECRET must be at least 32 bytes long')
  if (secret === null && databaseUrl !== null) {
    problems.push('BRANDWAVE_SECRET is required with DATABASE_URL: every instance must share it (generate one with `openssl rand -base64 48`)')
  }

  const tokenPrefix = text('BRANDWAVE_TOKEN_PREFIX') ?? 'bw'
  if (!TOKEN_PREFIX_PATTERN.test(tokenPrefix)) problems.push('BRANDWAVE_TOKEN_PREFIX must be 2–16 lowercase letters or digits, starting with a letter')

  const hostResources = (text('BRANDWAVE_RESOURCES') ?? '').split(',').map((r) => r.trim()).filter((r) => r !== '')
  for (const resource of hostResources) {
    if (!RESOURCE_NAME_PATTERN.test(resource)) problems.push(`BRANDWAVE_RESOURCES: "${resource}" must be lowercase snake_case`)
  }

  const dataDir = text('BRANDWAVE_DATA_DIR') ?? './data'
  const port = integer('PORT', 3000, 0, 65535)
  const publicUrl = (text('BRANDWAVE_PUBLIC_URL') ?? `http://localhost:${port}`).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(publicUrl)) problems.push('BRANDWAVE_PUBLIC_URL must be an http:// or https:// URL without a query or fragment')
  const smtpUrl = text('BRANDWAVE_SMTP_URL')
  if (smtpUrl !== null && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) problems.push('BRANDWAVE_SMTP_URL must be an smtp:// or smtps:// URL')
  const config: Config = {
    port,
    host: text('HOST') ?? 'localhost',
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir),
    databaseUrl,
    redisUrl,
    redisPrefix: text('BRANDWAVE_REDIS_PREFIX') ?? 'brandwave:',
    revocation: oneOf('BRANDWAVE_REVOCATION', ['strict', 'cached'], 'strict'),
    workers: integer('BRANDWAVE_WORKERS', 1, 1, 64),
    secret,
    tokenPrefix,
    signup: oneOf('BRANDWAVE_SIGNUP', ['open', 'closed'], 'closed'),
    hostResources: [...new Set(hostResources)],
    bootstrap: {
      adminEmail: text('BRANDWAVE_ADMIN_EMAIL')?.toLowerCase() ?? null,
      adminPassword: text('BRANDWAVE_ADMIN_PASSWORD'),
      organizationName: text('BRANDWAVE_ORGANIZATION_NAME') ?? 'My organization',
    },
    trustProxy: parseTrustProxy(text('TRUST_PROXY'), problems),
    defaultRateLimitPerMinute: integer('BRANDWAVE_DEFAULT_RATE_LIMIT', 1000, 1, 1_000_000),
    loginThrottle: {
      perAccount: integer('BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT', 5, 1, 1000),
      perIp: integer('BRANDWAVE_LOGIN_FAILURES_PER_IP', 30, 1, 100_000),
      perAccountTotal: integer('BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT_TOTAL', 20, 1, 100_000),
      windowSeconds: integer('BRANDWAVE_LOGIN_THROTTLE_SECONDS', 900, 1, 86_400),
    },
    signupThrottle: {
      perIp: integer('BRANDWAVE_SIGNUPS_PER_IP', 10, 1, 100_000),
      windowSeconds: integer('BRANDWAVE_SIGNUP_THROTTLE_SECONDS', 3600, 1, 86_400),
    },
    totpIssuer: text('BRANDWAVE_TOTP_ISSUER') ?? 'Brandwave',
    usageFlushIntervalMs: integer('BRANDWAVE_USAGE_FLUSH_MS', 5000, 100, 600_000),
    cacheEntries: integer('BRANDWAVE_CACHE_ENTRIES', 100_000, 100, 10_000_000),
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    issuer: text('BRANDWAVE_ISSUER') ?? 'brandwave',
    publicUrl,
    smtpUrl,
    emailFrom: text('BRANDWAVE_EMAIL_FROM') ?? 'Brandwave <no-reply@localhost>',
    mailPollIntervalMs: integer('BRANDWAVE_MAIL_POLL_MS', 5000, 50, 600_000),
    webhooks: {
      retrySeconds: integerList('BRANDWAVE_WEBHOOK_RETRY_SECONDS', text, problems, DEFAULT_WEBHOOK_RETRY_SECONDS, 0, 7 * 86_400),
      allowPrivate: oneOf('BRANDWAVE_WEBHOOK_ALLOW_PRIVATE', ['true', 'false'], 'false') === 'true',
    },
    expiryReminderDays: [...new Set(integerList('BRANDWAVE_EXPIRY_REMINDER_DAYS', text, problems, [30, 7, 1], 1, 3650))].sort((a, b) => b - a),
    leaks: {
      action: oneOf('BRANDWAVE_LEAK_ACTION', ['revoke', 'notify'], 'revoke'),
      githubKeysUrl: keysUrl('BRANDWAVE_GITHUB_KEYS_URL', text, problems, 'https://api.github.com/meta/public_keys/secret_scanning'),
      gitlabKeysUrl: text('BRANDWAVE_GITLAB_KEYS_URL') === null ? null : keysUrl('BRANDWAVE_GITLAB_KEYS_URL', text, problems, ''),
      revokeRequestsPerMinute: integer('BRANDWAVE_REVOKE_REQUESTS_PER_MINUTE', 30, 1, 100_000),
    },
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

function keysUrl(name: string, text: (name: string) => string | null, problems: string[], fallback: string): string {
  const value = text(name) ?? fallback
  if (!/^https?:\/\/[^\s]+$/.test(value)) problems.push(`${name} must be an http(s) URL`)
  return value
}

const DEFAULT_WEBHOOK_RETRY_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]

function integerList(name: string, text: (name: string) => string | null, problems: string[], fallback: readonly number[], min: number, max: number): readonly number[] {
  const raw = text(name)
  if (raw === null) return fallback
  const values = raw.split(',').map((entry) => Number(entry.trim()))
  if (values.length > 20 || values.some((value) => !Number.isInteger(value) || value < min || value > max)) {
    problems.push(`${name} must be a comma-separated list of at most 20 integers from ${min} to ${max} (got "${raw}")`)
    return fallback
  }
  return values
}

function parseTrustProxy(raw: string | null, problems: string[]): Config['trustProxy'] {
  if (raw === null || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
  if (entries.length === 0) problems.push('TRUST_PROXY must be true, false, a hop count, or a comma-separated list of proxy addresses')
  return entries
}
