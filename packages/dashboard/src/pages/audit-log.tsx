import { useAuditLogs } from '@brandwave/react'
import type { QueryOf } from '@brandwave/sdk'
import { useState, type FormEvent, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { useSignedInUser } from '../session.js'
import { ErrorMessage, formatTime } from '../ui.js'

type Filters = QueryOf<'listAuditEvents'>
type Action = NonNullable<Filters['action']>

const PAGE_SIZE = 25

export function AuditLogPage(): ReactNode {
  const user = useSignedInUser()
  if (user === undefined) return <p className="loading">Loading…</p>
  if (user.role !== 'company_admin') {
    return (
      <>
        <h1>Audit log</h1>
        <p className="notice">Only organization admins (the company_admin role) can read the audit log.</p>
      </>
    )
  }
  return <AuditLog />
}

/** The time inputs speak local time; the API speaks UTC. */
function toIso(local: string): string | undefined {
  return local === '' ? undefined : new Date(local).toISOString()
}

function AuditLog(): ReactNode {
  const [draft, setDraft] = useState({ action: '', actorId: '', since: '', until: '' })
  const [filters, setFilters] = useState<Filters>({})
  const [cursors, setCursors] = useState<string[]>([])
  const [knownActions, setKnownActions] = useState<string[]>([])
  const cursor = cursors[cursors.length - 1]
  const events = useAuditLogs({ ...filters, limit: PAGE_SIZE, ...(cursor !== undefined && { cursor }) })

  // The facets of an unfiltered page list every action there is to filter by.
  const facetActions = Object.keys(events.data?.facets.action ?? {})
  if (filters.action === undefined && facetActions.some((action) => !knownActions.includes(action))) {
    setKnownActions([...new Set([...knownActions, ...facetActions])].sort())
  }

  const apply = (event: FormEvent) => {
    event.preventDefault()
    const since = toIso(draft.since)
    const until = toIso(draft.until)
    setFilters({
      ...(draft.action !== '' && { action: draft.action as Action }),
      ...(draft.actorId.trim() !== '' && { actorId: draft.actorId.trim() }),
      ...(since !== undefined && { since }),
      ...(until !== undefined && { until }),
    })
    setCursors([])
  }

  return (
    <>
      <h1>Audit log</h1>
      <form className="filters" onSubmit={apply}>
        <label>
          Action
          <select value={draft.action} onChange={(event) => setDraft({ ...draft, action: event.target.value })}>
            <option value="">Any</option>
            {knownActions.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor id
          <input value={draft.actorId} onChange={(event) => setDraft({ ...draft, actorId: event.target.value })} />
        </label>
        <label>
          From
          <input type="datetime-local" value={draft.since} onChange={(event) => setDraft({ ...draft, since: event.target.value })} />
        </label>
        <label>
          To
          <input type="datetime-local" value={draft.until} onChange={(event) => setDraft({ ...draft, until: event.target.value })} />
        </label>
        <button type="submit" className="button">
          Apply filters
        </button>
      </form>
      <ErrorMessage error={events.error} />
      {events.isPending && <p className="loading">Loading…</p>}
      {events.data !== undefined && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">IP address</th>
              </tr>
            </thead>
            <tbody>
              {events.data.items.map((event) => (
                <tr key={event.id}>
                  <td>{formatTime(event.createdAt)}</td>
                  <td>
                    <code>{event.action}</code>
                  </td>
                  <td>
                    {event.actor.name ?? event.actor.type}
                    {event.actor.id !== null && (
                      <button type="button" className="link small" onClick={() => setDraft({ ...draft, actorId: event.actor.id ?? '' })} aria-label={`Filter by ${event.actor.name ?? event.actor.id}`}>
                        filter
                      </button>
                    )}
                  </td>
                  <td>{event.target === null ? '—' : `${event.target.type.replaceAll('_', ' ')} ${event.target.name ?? event.target.id}`}</td>
                  <td>{event.ip ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {events.data !== undefined && (
        <div className="pager">
          <span>{events.data.totalCount} events</span>
          <Button className="button" isDisabled={cursors.length === 0} onPress={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </Button>
          <Button className="button" isDisabled={events.data.nextCursor === null} onPress={() => events.data.nextCursor !== null && setCursors([...cursors, events.data.nextCursor])}>
            Next page
          </Button>
        </div>
      )}
    </>
  )
}
