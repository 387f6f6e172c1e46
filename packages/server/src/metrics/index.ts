import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { OneLabelCounter, RequestCounter } from './request-counter.js'

/**
 * Prometheus metrics of one process (`GET /metrics`). Never a secret or a token in a label:
 * labels are route patterns, status codes and outcome codes.
 */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'brandwave_' })
  /** Read at scrape time; set once the parts they observe exist. */
  const sources = {
    cacheSizes: (): { credential: number; session: number } => ({ credential: 0, session: 0 }),
    redisUp: (): boolean => false,
  }
  return {
    sources,
    registry,
    requests: new RequestCounter(registry),
    authentications: new OneLabelCounter(registry, { name: 'brandwave_authentications_total', help: 'Credential and session checks by outcome code.', label: 'code' }),
    storageLookups: new Counter({ name: 'brandwave_credential_storage_lookups_total', help: 'Storage reads by the verification path (cache misses).', labelNames: ['kind'], registers: [registry] }),
    // The database's write load from usage, which grows with instances × distinct keys (docs/capacity.md).
    usageRowsWritten: new Counter({
      name: 'brandwave_usage_rows_written_total',
      help: 'Rows sent by the batched usage writes: last_used (one UPDATE per credential per interval), counts (per-hour request counts upserted), addresses (addresses seen upserted).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    // Redis's load from rate limiting, by what each command was for (docs/capacity.md checks it).
    rateLimitCommands: new Counter({
      name: 'brandwave_rate_limit_store_commands_total',
      help: 'Commands the request rate limiter sent to the shared counter store (Redis): count (a request counted alone, or one key\'s requests of a batch), share (counts taken ahead of use), give_back (a share\'s leftover, or counts past the limit), refund (a refused request\'s count). While Redis is away, the same commands go to each instance\'s own fallback count. None without Redis.',
      labelNames: ['command'],
      registers: [registry],
    }),
    cacheEntries: new Gauge({
      name: 'brandwave_verification_cache_entries',
      help: 'Warm credential and session entries.',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const sizes = sources.cacheSizes()
        this.set({ kind: 'credential' }, sizes.credential)
        this.set({ kind: 'session' }, sizes.session)
      },
    }),
    redisUp: new Gauge({
      name: 'brandwave_redis_up',
      help: '1 while Redis answers (shared limits and caches in use), 0 otherwise.',
      registers: [registry],
      collect() {
        this.set(sources.redisUp() ? 1 : 0)
      },
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
