import { describe, expect, it } from 'vitest'
import type { AddressSighting, UsageCount } from '../storage/usage.js'
import { UsageCounts } from './usage-counts.js'

const HOUR = 3_600_000
const T0 = Date.parse('2026-12-01T10:00:00Z')

function recorder(fail = false) {
  const written: Array<{ counts: readonly UsageCount[]; sightings: readonly AddressSighting[] }> = []
  const errors: unknown[] = []
  const state = { fail }
  const counts = new UsageCounts({
    write: (rows, sightings) => {
      if (state.fail) return Promise.reject(new Error('database down'))
      written.push({ counts: rows, sightings })
      return Promise.resolve()
    },
    intervalMs: 60_000,
    onError: (error) => errors.push(error),
  })
  return { counts, written, errors, state }
}

const sorted = (rows: readonly UsageCount[]) => [...rows].sort((a, b) => `${a.hour}${a.outcome}`.localeCompare(`${b.hour}${b.outcome}`))

describe('UsageCounts', () => {
  it('counts per credential, hour and outcome, requests out of order across an hour’s end included', async () => {
    const { counts, written } = recorder()
    counts.record('k1', T0 + 5, 'VALID', '203.0.113.1')
    counts.record('k1', T0 + HOUR + 1, 'VALID', '203.0.113.1')
    counts.record('k1', T0 + 10, 'RATE_LIMITED', '203.0.113.9')
    counts.record('k1', T0 + HOUR + 2, 'VALID', null)
    counts.record('k2', T0, 'REVOKED', null)
    await counts.flush()
    expect(written).toHaveLength(1)
    const k1 = sorted(written[0]!.counts.filter((row) => row.credentialId === 'k1'))
    expect(k1).toEqual([
      { credentialId: 'k1', hour: '2026-12-01T10:00:00.000Z', outcome: 'RATE_LIMITED', count: 1 },
      { credentialId: 'k1', hour: '2026-12-01T10:00:00.000Z', outcome: 'VALID', count: 1 },
      { credentialId: 'k1', hour: '2026-12-01T11:00:00.000Z', outcome: 'VALID', count: 2 },
    ])
    // Addresses of accepted requests only, with the span they were seen in.
    expect(written[0]!.sightings).toEqual([{ credentialId: 'k1', ip: '203.0.113.1', firstSeenAt: new Date(T0 + 5).toISOString(), lastSeenAt: new Date(T0 + HOUR + 1).toISOString() }])
    await counts.flush()
    expect(written).toHaveLength(1)
  })

  it('keeps a batch that failed to write and adds it to what came meanwhile', async () => {
    const { counts, written, errors, state } = recorder(true)
    counts.record('k1', T0, 'VALID', '203.0.113.1')
    counts.record('k1', T0, 'VALID', '203.0.113.1')
    await counts.flush()
    expect(errors).toHaveLength(1)
    counts.record('k1', T0 + 1, 'VALID', '203.0.113.2')
    state.fail = false
    await counts.stop()
    expect(written[0]!.counts).toEqual([{ credentialId: 'k1', hour: '2026-12-01T10:00:00.000Z', outcome: 'VALID', count: 3 }])
    expect(written[0]!.sightings.map((s) => s.ip).sort()).toEqual(['203.0.113.1', '203.0.113.2'])
  })

  it('holds at most ten addresses per credential between flushes: the most recent', async () => {
    const { counts, written } = recorder()
    for (let i = 0; i < 50; i++) counts.record('k1', T0 + i, 'VALID', `198.51.100.${i}`)
    await counts.flush()
    expect(written[0]!.sightings.map((s) => s.ip).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `198.51.100.${40 + i}`).sort())
  })
})
