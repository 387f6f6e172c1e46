import { ApiError } from '@brandwave/core'
import type { FastifyBaseLogger } from 'fastify'
import type { Principal } from '../auth/principal.js'
import type { BackgroundWork } from '../background.js'
import { isoAt, type Clock } from '../clock.js'
import type { Storage } from '../storage/index.js'
import type { StoredAddress } from '../storage/usage.js'
import type { CredentialService, CredentialType } from './credentials.js'

/** How long request counts and addresses are kept. */
export const USAGE_RETENTION_DAYS = 90

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
const STEP = { hour: HOUR_MS, day: DAY_MS } as const
/** The most buckets one answer holds: a month of hours, or the whole retention in days. */
export const MAX_USAGE_BUCKETS = { hour: 31 * 24, day: USAGE_RETENTION_DAYS + 1 } as const
/** The range asked for when `from` is absent: the last day of hours, or the last 30 days. */
const DEFAULT_SPAN = { hour: DAY_MS, day: 30 * DAY_MS } as const

export type Granularity = keyof typeof STEP

export interface UsageQuery {
  readonly from?: string
  readonly to?: string
  readonly granularity?: Granularity
}

export interface UsageTally {
  readonly accepted: number
  readonly refused: number
  /** Refused requests by the code they were refused with (`REVOKED`, `RATE_LIMITED`, …). */
  readonly refusedByReason: Record<string, number>
}

export interface UsageBucket extends UsageTally {
  /** The bucket's first instant (an hour, or a UTC day). */
  readonly start: string
}

export interface CredentialUsage {
  readonly credentialId: string
  readonly granularity: Granularity
  readonly from: string
  readonly to: string
  readonly totals: UsageTally
  readonly buckets: UsageBucket[]
  readonly addresses: StoredAddress[]
  readonly retentionDays: number
}

function invalid(field: string, reason: string, message: string): ApiError {
  return new ApiError('validation_failed', undefined, { details: [{ field, reason, message }] })
}

function tally(): { accepted: number; refused: number; refusedByReason: Record<string, number> } {
  return { accepted: 0, refused: 0, refusedByReason: {} }
}

/** A credential's requests over time, for its owner: counts per hour or day, and the addresses it was used from. */
export class CredentialUsageService {
  constructor(private readonly deps: { readonly storage: Storage; readonly clock: Clock; readonly credentials: CredentialService }) {}

  async usage(principal: Principal, type: CredentialType, id: string, query: UsageQuery): Promise<CredentialUsage> {
    const granularity = query.granularity ?? 'day'
    const step = STEP[granularity]
    const to = query.to === undefined ? this.deps.clock.now() : Date.parse(query.to)
    const requestedFrom = query.from === undefined ? to - DEFAULT_SPAN[granularity] : Date.parse(query.from)
    // The schema has checked the format; these are instants Date cannot hold or order.
    if (Number.isNaN(to)) throw invalid('to', 'INVALID_TIME', 'must be an ISO 8601 date-time')
    if (Number.isNaN(requestedFrom)) throw invalid('from', 'INVALID_TIME', 'must be an ISO 8601 date-time')
    if (requestedFrom >= to) throw invalid('from', 'FROM_NOT_BEFORE_TO', 'must be earlier than `to`')
    const from = Math.floor(requestedFrom / step) * step
    const bucketCount = Math.ceil((to - from) / step)
    if (bucketCount > MAX_USAGE_BUCKETS[granularity]) {
      const most = MAX_USAGE_BUCKETS[granularity]
      throw invalid('from', 'RANGE_TOO_LONG', granularity === 'hour' ? `with granularity=hour, the range may span at most ${most} hours; ask for granularity=day for longer ones` : `the range may span at most ${most} days (counts are kept ${USAGE_RETENTION_DAYS} days)`)
    }

    // Another owner's credential is not found, as on every credential route.
    const credential = await this.deps.credentials.get(principal, type, id)
    const [rows, addresses] = await Promise.all([this.deps.storage.usage.hours(credential.id, isoAt(from), isoAt(to)), this.deps.storage.usage.addresses(credential.id)])

    const buckets = Array.from({ length: bucketCount }, (_, i) => ({ start: isoAt(from + i * step), ...tally() }))
    const totals = tally()
    for (const row of rows) {
      const bucket = buckets[Math.floor((Date.parse(row.hour) - from) / step)]
      if (bucket === undefined) continue
      for (const target of [bucket, totals]) {
        if (row.outcome === 'VALID') target.accepted += row.count
        else {
          target.refused += row.count
          target.refusedByReason[row.outcome] = (target.refusedByReason[row.outcome] ?? 0) + row.count
        }
      }
    }
    return { credentialId: credential.id, granularity, from: isoAt(from), to: isoAt(to), totals, buckets, addresses, retentionDays: USAGE_RETENTION_DAYS }
  }
}

/** Removes counts and addresses older than the retention, at start and every hour after. */
export function usageRetention(storage: Storage, clock: Clock, log: FastifyBaseLogger): BackgroundWork {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  const prune = () => {
    running = running.then(async () => {
      try {
        await storage.usage.prune(isoAt(clock.now() - USAGE_RETENTION_DAYS * DAY_MS))
      } catch (error) {
        log.warn({ err: error }, 'could not remove old credential usage; the next hourly pass tries again')
      }
    })
  }
  return {
    start() {
      prune()
      timer = setInterval(prune, HOUR_MS)
      timer.unref()
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer)
      await running
    },
  }
}
