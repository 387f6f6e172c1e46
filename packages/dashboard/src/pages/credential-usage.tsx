import { useApiKeyUsage, usePersonalAccessTokenUsage } from '@brandwave/react'
import type { CredentialUsage } from '@brandwave/sdk'
import { lazy, Suspense, useId, useState, type ReactNode } from 'react'
import { ErrorMessage, formatTime } from '../ui.js'

const DAY_MS = 86_400_000

// The chart library is most of a bundle's weight: fetched when a key's details first open.
const UsageChart = lazy(() => import('./usage-chart.js'))

/** Rounded to the minute, so the query key (and the cache) stays the same while the dialog is open. */
function lastThirtyDays(): { from: string; to: string } {
  const to = Math.ceil(Date.now() / 60_000) * 60_000
  return { from: new Date(to - 29 * DAY_MS).toISOString(), to: new Date(to).toISOString() }
}

const day = (start: string) => new Date(start).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' })

function reasons(refusedByReason: Record<string, number>): string {
  const entries = Object.entries(refusedByReason)
  return entries.length === 0 ? '—' : entries.map(([reason, count]) => `${reason} ${count}`).join(', ')
}

/**
 * A credential's last 30 days: a chart of accepted and refused requests per day, the same
 * numbers as a table for screen readers and keyboards (the chart is a picture of it), and
 * the addresses it was last used from.
 */
export function CredentialUsagePanel({ kind, id }: { kind: 'apiKeys' | 'personalAccessTokens'; id: string }): ReactNode {
  const [range] = useState(lastThirtyDays)
  const apiKeyUsage = useApiKeyUsage(kind === 'apiKeys' ? id : '', { ...range, granularity: 'day' })
  const tokenUsage = usePersonalAccessTokenUsage(kind === 'personalAccessTokens' ? id : '', { ...range, granularity: 'day' })
  const usage = kind === 'apiKeys' ? apiKeyUsage : tokenUsage
  const headingId = useId()
  const data = usage.data?.data

  return (
    <section className="usage" aria-labelledby={headingId}>
      <h3 id={headingId}>Usage, last 30 days</h3>
      <ErrorMessage error={usage.error} />
      {usage.isLoading && <p className="loading">Loading usage…</p>}
      {data !== undefined && <UsageBody usage={data} />}
    </section>
  )
}

function UsageBody({ usage }: { usage: CredentialUsage }): ReactNode {
  const [showTable, setShowTable] = useState(false)
  const tableId = useId()
  const points = usage.buckets.map((bucket) => ({ day: day(bucket.start), accepted: bucket.accepted, refused: bucket.refused }))
  const { totals } = usage
  return (
    <>
      <p className="usage-totals">
        {totals.accepted} accepted, {totals.refused} refused{totals.refused > 0 && ` (${reasons(totals.refusedByReason)})`}.
      </p>
      {/* The table below holds the same numbers in words; the picture is for sighted readers. */}
      <Suspense fallback={<div className="usage-chart-placeholder" aria-hidden="true" />}>
        <UsageChart points={points} />
      </Suspense>
      <button type="button" className="button" aria-expanded={showTable} aria-controls={tableId} onClick={() => setShowTable((shown) => !shown)}>
        {showTable ? 'Hide usage table' : 'Show usage table'}
      </button>
      <div id={tableId} hidden={!showTable}>
        <table className="usage-table">
          <caption>Requests per day (UTC)</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Accepted</th>
              <th scope="col">Refused</th>
              <th scope="col">Refused because</th>
            </tr>
          </thead>
          <tbody>
            {usage.buckets.map((bucket) => (
              <tr key={bucket.start}>
                <th scope="row">{day(bucket.start)}</th>
                <td>{bucket.accepted}</td>
                <td>{bucket.refused}</td>
                <td>{reasons(bucket.refusedByReason)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Recent client addresses</h3>
      {usage.addresses.length === 0 ? (
        <p>Not used from any address yet.</p>
      ) : (
        <table className="addresses">
          <caption className="visually-hidden">The last addresses it was used from</caption>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">First seen</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {usage.addresses.map((address) => (
              <tr key={address.ip}>
                <td>
                  <code>{address.ip}</code>
                </td>
                <td>{formatTime(address.firstSeenAt)}</td>
                <td>{formatTime(address.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
