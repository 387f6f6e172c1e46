import {
  useCreateWebhookEndpoint,
  useDeleteWebhookEndpoint,
  useRetryWebhookDelivery,
  useRotateWebhookSecret,
  useUpdateWebhookEndpoint,
  useWebhookDeliveries,
  useWebhookEndpoints,
} from '@brandwave/react'
import type { BodyOf, ResponseOf } from '@brandwave/sdk'
import { useState, type FormEvent, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { useSignedInUser } from '../session.js'
import { ShownOnceDialog } from '../shown-once.js'
import { ConfirmDialog, ErrorMessage, formatTime, ModalDialog } from '../ui.js'

type Endpoint = ResponseOf<'listWebhookEndpoints'>['items'][number]
type EventType = NonNullable<BodyOf<'createWebhookEndpoint'>['events']>[number]

// Keyed by every event type the API knows: the compiler says so when one is missing.
const EVENT_TYPES = Object.keys({
  'api_key.created': 1,
  'api_key.rotated': 1,
  'api_key.revoked': 1,
  'api_key.expiring': 1,
  'api_key.expired': 1,
  'api_key.exposed': 1,
  'api_key.reuse_detected': 1,
  'api_key.disabled': 1,
  'api_key.enabled': 1,
  'personal_access_token.created': 1,
  'personal_access_token.rotated': 1,
  'personal_access_token.revoked': 1,
  'personal_access_token.expiring': 1,
  'personal_access_token.expired': 1,
  'personal_access_token.exposed': 1,
  'personal_access_token.reuse_detected': 1,
  'personal_access_token.disabled': 1,
  'personal_access_token.enabled': 1,
  'member.added': 1,
  'member.removed': 1,
  'member.role_changed': 1,
  'oauth_app.authorized': 1,
  'oauth_app.revoked': 1,
} satisfies Record<EventType, 1>) as EventType[]

export function WebhooksPage(): ReactNode {
  const user = useSignedInUser()
  if (user === undefined) return <p className="loading">Loading…</p>
  if (user.role !== 'company_admin') {
    return (
      <>
        <h1>Webhooks</h1>
        <p className="notice">Only organization admins (the company_admin role) manage where the organization’s events are sent.</p>
      </>
    )
  }
  return <EndpointList />
}

function EndpointList(): ReactNode {
  const endpoints = useWebhookEndpoints({ limit: 100 })
  const [adding, setAdding] = useState(false)
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null)
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const selected = endpoints.data?.items.find((endpoint) => endpoint.id === selectedId)

  return (
    <>
      <div className="page-head">
        <h1>Webhooks</h1>
        <Button className="button primary" onPress={() => setAdding(true)}>
          Add endpoint
        </Button>
      </div>
      <p>Brandwave sends the organization’s events to these URLs, signed as Standard Webhooks, and retries a failed delivery with backoff.</p>
      <ErrorMessage error={endpoints.error} />
      {endpoints.data?.items.length === 0 && <p>No endpoints yet.</p>}
      {endpoints.data !== undefined && endpoints.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Webhook endpoints</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Description</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.items.map((endpoint) => (
                <tr key={endpoint.id}>
                  <th scope="row">
                    <Button className="link" onPress={() => setSelectedId(endpoint.id)}>
                      {endpoint.url}
                    </Button>
                  </th>
                  <td>{endpoint.description ?? '—'}</td>
                  <td>{endpoint.events === null ? 'All events' : endpoint.events.join(', ')}</td>
                  <td>
                    <span className={`badge ${endpoint.status === 'enabled' ? 'active' : 'revoked'}`}>
                      {endpoint.status}
                      {endpoint.disabledReason === 'gone' && ' (the receiver answered 410)'}
                    </span>
                  </td>
                  <td>{formatTime(endpoint.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {adding && (
        <EndpointDialog
          onClose={() => setAdding(false)}
          onCreated={(url, created) => {
            setAdding(false)
            setSecret({ url, secret: created })
          }}
        />
      )}
      {secret !== null && <SecretDialog url={secret.url} secret={secret.secret} onDone={() => setSecret(null)} />}
      {selected !== undefined && <EndpointDetails key={selected.id} endpoint={selected} onClose={() => setSelectedId(null)} onNewSecret={(value) => setSecret({ url: selected.url, secret: value })} />}
    </>
  )
}

function SecretDialog({ url, secret, onDone }: { url: string; secret: string; onDone: () => void }): ReactNode {
  return (
    <ShownOnceDialog
      title="Copy the signing secret"
      label="Signing secret"
      value={secret}
      onDone={onDone}
      warning={<>This is the only time the secret of {url} is shown. Store it where your receiver verifies signatures: once you close this, nobody can see it again.</>}
    />
  )
}

/** None ticked means every event, now and added later. */
function EventPicker({ selected, onChange }: { selected: ReadonlySet<EventType>; onChange: (next: Set<EventType>) => void }): ReactNode {
  return (
    <fieldset className="events">
      <legend>Events</legend>
      <p className="hint">Leave all unticked to receive every event.</p>
      {EVENT_TYPES.map((type) => (
        <label key={type} className="check">
          <input
            type="checkbox"
            checked={selected.has(type)}
            onChange={(event) => {
              const next = new Set(selected)
              if (event.target.checked) next.add(type)
              else next.delete(type)
              onChange(next)
            }}
          />
          {type}
        </label>
      ))}
    </fieldset>
  )
}

function EndpointDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (url: string, secret: string) => void }): ReactNode {
  const create = useCreateWebhookEndpoint()
  const [url, setUrl] = useState('')
  const [description, setDescription] = useState('')
  const [events, setEvents] = useState<Set<EventType>>(new Set())
  const submit = (event: FormEvent) => {
    event.preventDefault()
    create.mutate(
      { url: url.trim(), ...(description.trim() !== '' && { description: description.trim() }), ...(events.size > 0 && { events: [...events] }) },
      { onSuccess: (result) => onCreated(result.data.url, result.data.secret) },
    )
  }
  return (
    <ModalDialog title="Add a webhook endpoint" isOpen onClose={onClose}>
      <form onSubmit={submit}>
        <label>
          URL
          <input type="url" name="url" required autoFocus placeholder="https://example.com/webhooks/brandwave" value={url} onChange={(event) => setUrl(event.target.value)} />
        </label>
        <label>
          Description
          <input name="description" maxLength={200} value={description} onChange={(event) => setDescription(event.target.value)} />
        </label>
        <EventPicker selected={events} onChange={setEvents} />
        <ErrorMessage error={create.error} />
        <div className="actions">
          <Button className="button" onPress={onClose}>
            Cancel
          </Button>
          <button type="submit" className="button primary" disabled={create.isPending}>
            Add endpoint
          </button>
        </div>
      </form>
    </ModalDialog>
  )
}

/** One endpoint: edit it, turn it off or on, rotate its secret, delete it, and its delivery log. */
function EndpointDetails({ endpoint, onClose, onNewSecret }: { endpoint: Endpoint; onClose: () => void; onNewSecret: (secret: string) => void }): ReactNode {
  const update = useUpdateWebhookEndpoint()
  const rotate = useRotateWebhookSecret()
  const remove = useDeleteWebhookEndpoint()
  const [url, setUrl] = useState(endpoint.url)
  const [description, setDescription] = useState(endpoint.description ?? '')
  const [events, setEvents] = useState<Set<EventType>>(new Set(endpoint.events ?? []))
  const [deleting, setDeleting] = useState(false)
  const [saved, setSaved] = useState(false)

  const save = (event: FormEvent) => {
    event.preventDefault()
    setSaved(false)
    update.mutate(
      { id: endpoint.id, url: url.trim(), description: description.trim() === '' ? null : description.trim(), events: events.size === 0 ? null : [...events] },
      { onSuccess: () => setSaved(true) },
    )
  }
  const enabled = endpoint.status === 'enabled'

  return (
    <section className="endpoint-details" aria-labelledby="endpoint-heading">
      <div className="page-head">
        <h2 id="endpoint-heading">{endpoint.url}</h2>
        <Button className="button" onPress={onClose}>
          Close
        </Button>
      </div>
      <form className="form" onSubmit={save}>
        <label>
          URL
          <input type="url" name="url" required value={url} onChange={(event) => setUrl(event.target.value)} />
        </label>
        <label>
          Description
          <input name="description" maxLength={200} value={description} onChange={(event) => setDescription(event.target.value)} />
        </label>
        <EventPicker selected={events} onChange={setEvents} />
        <ErrorMessage error={update.error} />
        <p aria-live="polite" className="hint">
          {saved ? 'Saved.' : ''}
        </p>
        <div className="actions">
          <button type="submit" className="button primary" disabled={update.isPending}>
            Save
          </button>
          <Button className="button" isDisabled={update.isPending} onPress={() => update.mutate({ id: endpoint.id, status: enabled ? 'disabled' : 'enabled' })}>
            {enabled ? 'Disable' : 'Enable'}
          </Button>
          <Button className="button" isDisabled={rotate.isPending} onPress={() => rotate.mutate({ id: endpoint.id }, { onSuccess: (result) => onNewSecret(result.data.secret) })}>
            Rotate secret
          </Button>
          <Button className="button danger" onPress={() => setDeleting(true)}>
            Delete
          </Button>
        </div>
        <ErrorMessage error={rotate.error} />
        {endpoint.previousSecretExpiresAt !== null && <p className="hint">The previous secret also signs until {formatTime(endpoint.previousSecretExpiresAt)}.</p>}
      </form>
      <DeliveryLog endpoint={endpoint} />
      <ConfirmDialog
        title={`Delete ${endpoint.url}?`}
        isOpen={deleting}
        onCancel={() => {
          setDeleting(false)
          remove.reset()
        }}
        confirmLabel="Delete"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() =>
          remove.mutate(
            { id: endpoint.id },
            {
              onSuccess: () => {
                setDeleting(false)
                onClose()
              },
            },
          )
        }
      >
        <p>No more events go to this URL, and its delivery log is gone. This cannot be undone.</p>
      </ConfirmDialog>
    </section>
  )
}

function DeliveryLog({ endpoint }: { endpoint: Endpoint }): ReactNode {
  const [cursors, setCursors] = useState<string[]>([])
  const cursor = cursors[cursors.length - 1]
  const deliveries = useWebhookDeliveries(endpoint.id, { limit: 20, ...(cursor !== undefined && { cursor }) })
  const retry = useRetryWebhookDelivery()
  return (
    <>
      <div className="page-head">
        <h3 id="delivery-log">Delivery log</h3>
        <Button className="button" onPress={() => void deliveries.refetch()}>
          Refresh
        </Button>
      </div>
      <ErrorMessage error={deliveries.error} />
      <ErrorMessage error={retry.error} />
      {deliveries.data?.items.length === 0 && <p>Nothing sent yet.</p>}
      {deliveries.data !== undefined && deliveries.data.items.length > 0 && (
        <div className="table-wrap">
          <table aria-labelledby="delivery-log">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Next retry</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.items.map((delivery) => (
                <tr key={delivery.id}>
                  <th scope="row">
                    {delivery.eventType}
                    <span className="hint"> {formatTime(delivery.createdAt)}</span>
                  </th>
                  <td>{delivery.status}</td>
                  <td>{delivery.attempts}</td>
                  <td>{delivery.lastStatus ?? delivery.lastError ?? '—'}</td>
                  <td>{formatTime(delivery.nextAttemptAt)}</td>
                  <td>
                    <Button
                      className="button"
                      aria-label={`Retry ${delivery.eventType} of ${formatTime(delivery.createdAt)}`}
                      isDisabled={retry.isPending || endpoint.status !== 'enabled'}
                      onPress={() => retry.mutate({ id: endpoint.id, deliveryId: delivery.id })}
                    >
                      Retry
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deliveries.data !== undefined && (cursors.length > 0 || deliveries.data.nextCursor !== null) && (
        <div className="pager">
          <Button className="button" isDisabled={cursors.length === 0} onPress={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </Button>
          <Button className="button" isDisabled={deliveries.data.nextCursor === null} onPress={() => deliveries.data.nextCursor !== null && setCursors([...cursors, deliveries.data.nextCursor])}>
            Next page
          </Button>
        </div>
      )}
    </>
  )
}
