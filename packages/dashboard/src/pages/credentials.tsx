import {
  useCreateApiKey,
  useCreatePersonalAccessToken,
  useDisableApiKey,
  useDisablePersonalAccessToken,
  useEnableApiKey,
  useEnablePersonalAccessToken,
  useGetApiKey,
  useGetPersonalAccessToken,
  useListApiKeys,
  useListPersonalAccessTokens,
  useRevokeApiKey,
  useRevokePersonalAccessToken,
  useRotateApiKey,
  useRotatePersonalAccessToken,
  useScopes,
} from '@brandwave/react'
import type { Credential, QueryOf } from '@brandwave/sdk'
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react'
import { Button, Checkbox } from 'react-aria-components'
import { allowedIpList, allowedIpProblems } from '../cidr.js'
import { createBody, EMPTY_DRAFT, serverProblems } from '../metering.js'
import { useSignedInUser } from '../session.js'
import { ShownOnceDialog } from '../shown-once.js'
import { ConfirmDialog, ErrorMessage, formatTime, ModalDialog } from '../ui.js'
import { MeteringDisclosure, MeteringEditor, MeteringFields, useMeteringDraft } from './credential-metering.js'
import { CredentialUsagePanel } from './credential-usage.js'
import { OutOfPolicyBadge, PolicyViolations } from './credential-policy.js'

type Kind = 'apiKeys' | 'personalAccessTokens'
type Status = NonNullable<QueryOf<'listApiKeys'>['status']>

const WORDS = {
  apiKeys: { title: 'API Keys', one: 'key', newLabel: 'New Key', intro: 'Keys your organization’s integrations use to call the API. They belong to the organization and survive the person who created them.' },
  personalAccessTokens: { title: 'Personal access tokens', one: 'token', newLabel: 'New token', intro: 'Tokens that act as you, for your own scripts. They can do at most what you can.' },
} as const

const PAGE_SIZE = 20
const SOON_MS = 7 * 24 * 3600 * 1000

/** The hooks of one credential kind: the page is the same for API keys and personal access tokens. */
function useKindHooks(kind: Kind) {
  return kind === 'apiKeys'
    ? { useList: useListApiKeys, useGet: useGetApiKey, useCreate: useCreateApiKey, useRevoke: useRevokeApiKey, useRotate: useRotateApiKey, useDisable: useDisableApiKey, useEnable: useEnableApiKey }
    : {
        useList: useListPersonalAccessTokens,
        useGet: useGetPersonalAccessToken,
        useCreate: useCreatePersonalAccessToken,
        useRevoke: useRevokePersonalAccessToken,
        useRotate: useRotatePersonalAccessToken,
        useDisable: useDisablePersonalAccessToken,
        useEnable: useEnablePersonalAccessToken,
      }
}

export function CredentialsPage({ kind }: { kind: Kind }): ReactNode {
  const user = useSignedInUser()
  const words = WORDS[kind]
  if (user === undefined) return <p className="loading">Loading…</p>
  if (kind === 'apiKeys' && user.role !== 'company_admin') {
    return (
      <>
        <h1>{words.title}</h1>
        <p className="notice">Only organization admins (the company_admin role) can see, create, rotate and revoke API keys. Ask an admin of your organization, or use a personal access token for your own scripts.</p>
      </>
    )
  }
  return <CredentialList key={kind} kind={kind} />
}

function CredentialList({ kind }: { kind: Kind }): ReactNode {
  const words = WORDS[kind]
  const hooks = useKindHooks(kind)
  const [status, setStatus] = useState<Status | 'all'>('active')
  const [cursors, setCursors] = useState<string[]>([])
  const cursor = cursors[cursors.length - 1]
  const list = hooks.useList({ limit: PAGE_SIZE, ...(status !== 'all' && { status }), ...(cursor !== undefined && { cursor }) })
  const [creating, setCreating] = useState(false)
  const [secret, setSecret] = useState<{ token: string; name: string } | null>(null)
  const [selected, setSelected] = useState<string | null>(null)

  return (
    <>
      <div className="page-head">
        <h1>{words.title}</h1>
        <Button className="button primary" onPress={() => setCreating(true)}>
          {words.newLabel}
        </Button>
      </div>
      <p>{words.intro}</p>
      <div className="filters">
        <label>
          Status
          <select
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as Status | 'all')
              setCursors([])
            }}
          >
            <option value="active">Active</option>
            <option value="disabled">Disabled</option>
            <option value="expired">Expired</option>
            <option value="revoked">Revoked</option>
            <option value="all">All</option>
          </select>
        </label>
        {list.data !== undefined && (
          <span className="facets">
            {list.data.facets.status.active} active · {list.data.facets.status.disabled} disabled · {list.data.facets.status.expired} expired · {list.data.facets.status.revoked} revoked
          </span>
        )}
      </div>
      {list.isPending && <p className="loading">Loading…</p>}
      <ErrorMessage error={list.error} />
      {list.data !== undefined &&
        (list.data.items.length === 0 ? (
          <p className="empty">No {status === 'all' ? '' : `${status} `}{words.one}s.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{words.title}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Environment</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created by</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((credential) => (
                  <tr key={credential.id}>
                    <th scope="row">
                      <button type="button" className="link" onClick={() => setSelected(credential.id)}>
                        {credential.name}
                      </button>
                    </th>
                    <td>
                      <code>
                        {credential.start}…{credential.last4}
                      </code>
                    </td>
                    <td>{credential.environment}</td>
                    <td className="scopes">{credential.scopes === null ? 'All of yours' : credential.scopes.join(', ')}</td>
                    <td>{credential.createdBy?.name ?? '—'}</td>
                    <td>{formatTime(credential.createdAt)}</td>
                    <td>
                      {formatTime(credential.lastUsedAt)}
                      {credential.lastUsedIp !== null && <span className="muted"> from {credential.lastUsedIp}</span>}
                    </td>
                    <td>{credential.expiresAt === null ? 'Never' : formatTime(credential.expiresAt)}</td>
                    <td>
                      <StatusBadge credential={credential} />
                      <OutOfPolicyBadge credential={credential} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      {list.data !== undefined && (
        <div className="pager">
          <span>{list.data.totalCount} in all</span>
          <Button className="button" isDisabled={cursors.length === 0} onPress={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </Button>
          <Button className="button" isDisabled={list.data.nextCursor === null} onPress={() => list.data.nextCursor !== null && setCursors([...cursors, list.data.nextCursor])}>
            Next page
          </Button>
        </div>
      )}
      {creating && (
        <NewCredentialDialog
          kind={kind}
          onClose={() => setCreating(false)}
          onCreated={(token, name) => {
            setCreating(false)
            setSecret({ token, name })
          }}
        />
      )}
      {selected !== null && (
        <CredentialDetails
          kind={kind}
          id={selected}
          onClose={() => setSelected(null)}
          onRotated={(token, name) => {
            setSelected(null)
            setSecret({ token, name })
          }}
        />
      )}
      {secret !== null && <SecretDialog kind={kind} name={secret.name} token={secret.token} onDone={() => setSecret(null)} />}
    </>
  )
}

function StatusBadge({ credential }: { credential: Credential }): ReactNode {
  const soon = credential.status === 'active' && credential.expiresAt !== null && new Date(credential.expiresAt).getTime() - Date.now() < SOON_MS
  return (
    <span className={`badge ${credential.status}`}>
      {credential.status}
      {soon && <span className="soon"> · expires soon</span>}
    </span>
  )
}

/** The scopes as a grid: a row per resource, a column per action, one checkbox per scope named by the scope itself. */
function ScopePicker({ selected, onChange }: { selected: ReadonlySet<string>; onChange: (next: Set<string>) => void }): ReactNode {
  const scopes = useScopes()
  const rows = useMemo(() => {
    const byResource = new Map<string, Map<string, { scope: string; description: string }>>()
    for (const item of scopes.data?.items ?? []) {
      const row = byResource.get(item.resource) ?? new Map<string, { scope: string; description: string }>()
      row.set(item.action, item)
      byResource.set(item.resource, row)
    }
    return [...byResource.entries()]
  }, [scopes.data])
  const actions = ['read', 'write', 'delete', 'workflow'] as const
  if (scopes.isPending) return <p className="loading">Loading scopes…</p>
  if (scopes.error !== null) return <ErrorMessage error={scopes.error} />
  return (
    <fieldset className="scopes-grid">
      <legend>Scopes</legend>
      <table>
        <thead>
          <tr>
            <th scope="col">Resource</th>
            {actions.map((action) => (
              <th scope="col" key={action}>
                {action}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([resource, byAction]) => (
            <tr key={resource}>
              <th scope="row">{resource}</th>
              {actions.map((action) => {
                const item = byAction.get(action)
                return (
                  <td key={action}>
                    {item !== undefined && (
                      <Checkbox
                        className="checkbox"
                        isSelected={selected.has(item.scope)}
                        onChange={(on) => {
                          const next = new Set(selected)
                          if (on) next.add(item.scope)
                          else next.delete(item.scope)
                          onChange(next)
                        }}
                      >
                        <span className="box" aria-hidden="true" />
                        <span className="scope-name">{item.scope}</span>
                      </Checkbox>
                    )}
                  </td>
                )
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </fieldset>
  )
}

/** An admin's tokens can manage the organization: issuing one asks for the password (step-up). */
function useAdminToken(kind: Kind): boolean {
  const user = useSignedInUser()
  return kind === 'personalAccessTokens' && user?.role === 'company_admin'
}

function StepUpPassword({ value, onChange }: { value: string; onChange: (value: string) => void }): ReactNode {
  return (
    <>
      <label>
        Current password
        <input type="password" autoComplete="current-password" value={value} onChange={(event) => onChange(event.target.value)} aria-describedby="step-up-hint" />
      </label>
      <p id="step-up-hint" className="hint">
        Needed when the token can manage the organization: no scope selected, or any scope beyond your product’s own and personal access tokens.
      </p>
    </>
  )
}

function NewCredentialDialog({ kind, onClose, onCreated }: { kind: Kind; onClose: () => void; onCreated: (token: string, name: string) => void }): ReactNode {
  const words = WORDS[kind]
  // Both hooks, one used: an API key must name its scopes, a token may not.
  const createKey = useCreateApiKey()
  const createToken = useCreatePersonalAccessToken()
  const create = kind === 'apiKeys' ? createKey : createToken
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<Set<string>>(new Set())
  const [environment, setEnvironment] = useState<'live' | 'test'>('live')
  const [ips, setIps] = useState('')
  const [rate, setRate] = useState('')
  const [expires, setExpires] = useState('')
  const [localError, setLocalError] = useState<string | null>(null)
  const [currentPassword, setCurrentPassword] = useState('')
  const asksForPassword = useAdminToken(kind)
  const ipProblems = allowedIpProblems(ips)
  const [advanced, setAdvanced] = useState(false)
  const metering = useMeteringDraft(EMPTY_DRAFT)
  const placed = serverProblems(create.error)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const scopeMissing = kind === 'apiKeys' && scopes.size === 0
    setLocalError(scopeMissing ? 'Select at least one scope.' : null)
    const extra = createBody(metering.draft)
    if (!extra.ok) {
      setAdvanced(true)
      metering.setProblems(extra.problems)
    } else metering.setProblems({})
    if (scopeMissing || !extra.ok || ipProblems.length > 0) return
    const allowed = allowedIpList(ips)
    const body = {
      name: name.trim(),
      environment,
      ...(scopes.size > 0 && { scopes: [...scopes] }),
      ...(allowed.length > 0 && { allowedIps: allowed }),
      ...(rate.trim() !== '' && { rateLimit: { requestsPerMinute: Number(rate) } }),
      // The end of the chosen day, in the user's time zone.
      ...(expires !== '' && { expiresAt: new Date(`${expires}T23:59:59`).toISOString() }),
      ...extra.body,
    }
    const done = {
      onSuccess: (result: { data: { token: string; name: string } }) => onCreated(result.data.token, result.data.name),
      // The API's word on the owner, metadata or budget goes beside the field, opened if need be.
      onError: (error: unknown) => {
        const { problems } = serverProblems(error)
        if (Object.keys(problems).length > 0) setAdvanced(true)
        metering.setProblems(problems)
      },
    }
    if (kind === 'apiKeys') createKey.mutate({ ...body, scopes: [...scopes] }, done)
    else createToken.mutate({ ...body, ...(currentPassword !== '' && { currentPassword }) }, done)
  }

  return (
    <ModalDialog title={kind === 'apiKeys' ? 'New API key' : 'New personal access token'} isOpen onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} aria-describedby="name-hint" />
        </label>
        <p id="name-hint" className="hint">
          Something a teammate recognizes months from now, like “Nightly QuickBooks export”.
        </p>
        <ScopePicker selected={scopes} onChange={setScopes} />
        {kind === 'personalAccessTokens' && <p className="hint">No scope selected: the token can do everything you can.</p>}
        {asksForPassword && <StepUpPassword value={currentPassword} onChange={setCurrentPassword} />}
        <fieldset className="inline">
          <legend>Environment</legend>
          <label>
            <input type="radio" name="environment" value="live" checked={environment === 'live'} onChange={() => setEnvironment('live')} /> live
          </label>
          <label>
            <input type="radio" name="environment" value="test" checked={environment === 'test'} onChange={() => setEnvironment('test')} /> test
          </label>
        </fieldset>
        <label>
          Allowed IPs
          <textarea
            rows={3}
            value={ips}
            onChange={(event) => setIps(event.target.value)}
            aria-invalid={ipProblems.length > 0}
            aria-describedby="ips-hint ips-problems"
            placeholder="203.0.113.0/24"
          />
        </label>
        <p id="ips-hint" className="hint">
          Optional. One IPv4 or IPv6 address or CIDR range per line; requests from anywhere else are refused.
        </p>
        <div id="ips-problems" className="field-error" aria-live="polite">
          {ipProblems.map((problem) => (
            <p key={problem}>{problem}</p>
          ))}
        </div>
        <label>
          Rate limit (requests per minute)
          <input type="number" min={1} max={1000000} inputMode="numeric" value={rate} onChange={(event) => setRate(event.target.value)} aria-describedby="rate-hint" />
        </label>
        <p id="rate-hint" className="hint">
          Optional; the server’s default applies otherwise.
        </p>
        <label>
          Expires on
          <input type="date" value={expires} onChange={(event) => setExpires(event.target.value)} aria-describedby="expires-hint" />
        </label>
        <p id="expires-hint" className="hint">
          Optional; without a date the {words.one} never expires.
        </p>
        <MeteringDisclosure open={advanced} onToggle={() => setAdvanced((open) => !open)}>
          <MeteringFields one={words.one} draft={metering.draft} change={metering.change} problems={metering.problems} focusRequest={metering.focusRequest} editing={false} />
        </MeteringDisclosure>
        {localError !== null && (
          <p className="error" role="alert">
            {localError}
          </p>
        )}
        <ErrorMessage error={placed.allPlaced ? null : create.error} />
        <div className="actions">
          <Button className="button" onPress={onClose}>
            Cancel
          </Button>
          <button type="submit" className="button primary" disabled={create.isPending || ipProblems.length > 0}>
            Create
          </button>
        </div>
      </form>
    </ModalDialog>
  )
}

/** The one time a secret is shown. Closing it (Done) forgets it for good. */
function SecretDialog({ kind, name, token, onDone }: { kind: Kind; name: string; token: string; onDone: () => void }): ReactNode {
  return (
    <ShownOnceDialog
      title={`Copy your new ${WORDS[kind].one}`}
      label="Secret"
      value={token}
      warning={`This is the only time “${name}” is shown. Copy it now and store it somewhere safe, like a secrets manager: once you close this, nobody can see it again.`}
      onDone={onDone}
    />
  )
}

const GRACE_PERIODS = [
  { seconds: 0, label: 'None: the old one stops at once' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 604_800, label: '7 days' },
]

/** When a refill comes, in words: "every day" or "on day 15 of each month". */
function refillWhen(refill: NonNullable<Credential['refill']>): string {
  return refill.interval === 'daily' ? 'every day at 00:00 UTC' : `on day ${refill.day ?? 1} of each month`
}

function CredentialDetails({ kind, id, onClose, onRotated }: { kind: Kind; id: string; onClose: () => void; onRotated: (token: string, name: string) => void }): ReactNode {
  const hooks = useKindHooks(kind)
  const detail = hooks.useGet(id)
  const revoke = hooks.useRevoke()
  const rotate = hooks.useRotate()
  const disable = hooks.useDisable()
  const enable = hooks.useEnable()
  const [currentPassword, setCurrentPassword] = useState('')
  const asksForPassword = useAdminToken(kind)
  const [confirming, setConfirming] = useState(false)
  const [grace, setGrace] = useState(0)
  const [editing, setEditing] = useState(false)
  const [saved, setSaved] = useState(false)
  const editButton = useRef<HTMLButtonElement>(null)
  const wasEditing = useRef(false)
  // Back to Edit once the form closes, so keyboard users carry on from where they were.
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus()
    wasEditing.current = editing
  }, [editing])
  const credential = detail.data?.data

  return (
    <>
      <ModalDialog title={credential?.name ?? 'Details'} isOpen={!confirming} onClose={onClose}>
        <ErrorMessage error={detail.error} />
        {credential !== undefined && (
          <>
            <dl className="details">
              <dt>Key</dt>
              <dd>
                <code>
                  {credential.start}…{credential.last4}
                </code>
              </dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge credential={credential} />
              </dd>
              <dt>Environment</dt>
              <dd>{credential.environment}</dd>
              <dt>Scopes</dt>
              <dd>{credential.scopes === null ? 'All of yours' : credential.scopes.join(', ')}</dd>
              <dt>Allowed IPs</dt>
              <dd>{credential.allowedIps === null ? 'Any' : credential.allowedIps.join(', ')}</dd>
              <dt>Rate limit</dt>
              <dd>{credential.rateLimit === null ? 'Default' : `${credential.rateLimit.requestsPerMinute} per minute`}</dd>
              <dt>Created</dt>
              <dd>
                {formatTime(credential.createdAt)} by {credential.createdBy?.name ?? '—'}
              </dd>
              <dt>Last used</dt>
              <dd>
                {formatTime(credential.lastUsedAt)}
                {credential.lastUsedIp !== null && ` from ${credential.lastUsedIp}`}
              </dd>
              <dt>Expires</dt>
              <dd>{credential.expiresAt === null ? 'Never' : formatTime(credential.expiresAt)}</dd>
              <dt>Remaining uses</dt>
              <dd>
                {credential.remaining === null ? 'Unlimited' : credential.remaining}
                {credential.refill !== null && ` (back to ${credential.refill.amount} ${refillWhen(credential.refill)})`}
              </dd>
              {credential.externalId !== null && (
                <>
                  <dt>External ID</dt>
                  <dd>
                    <code>{credential.externalId}</code>
                  </dd>
                </>
              )}
              {credential.metadata !== null && (
                <>
                  <dt>Metadata</dt>
                  <dd>
                    <pre className="metadata">{JSON.stringify(credential.metadata, null, 2)}</pre>
                  </dd>
                </>
              )}
              {credential.disabledAt !== null && (
                <>
                  <dt>Disabled</dt>
                  <dd>{formatTime(credential.disabledAt)}</dd>
                </>
              )}
              {credential.revokedAt !== null && (
                <>
                  <dt>Revoked</dt>
                  <dd>{formatTime(credential.revokedAt)}</dd>
                </>
              )}
              <PolicyViolations credential={credential} />
              {credential.exposure !== null && (
                <>
                  <dt>Exposed</dt>
                  <dd>
                    Reported leaked {formatTime(credential.exposure.reportedAt)}
                    {credential.exposure.url !== null && ` at ${credential.exposure.url}`}
                  </dd>
                </>
              )}
            </dl>
            {credential.status !== 'revoked' &&
              (editing ? (
                <MeteringEditor
                  kind={kind}
                  credential={credential}
                  one={WORDS[kind].one}
                  onDone={(changed) => {
                    setEditing(false)
                    setSaved(changed)
                  }}
                />
              ) : (
                <button
                  type="button"
                  className="button"
                  ref={editButton}
                  onClick={() => {
                    setSaved(false)
                    setEditing(true)
                  }}
                >
                  Edit owner and usage limits
                </button>
              ))}
            <p role="status" className="success">
              {saved ? 'Owner and usage limits saved.' : ''}
            </p>
            <CredentialUsagePanel kind={kind} id={id} />
            {credential.status === 'active' && (
              <>
                <div className="rotate">
                  <label>
                    Grace period
                    <select value={grace} onChange={(event) => setGrace(Number(event.target.value))}>
                      {GRACE_PERIODS.map((period) => (
                        <option key={period.seconds} value={period.seconds}>
                          {period.label}
                        </option>
                      ))}
                    </select>
                  </label>
                  <Button
                    className="button"
                    isDisabled={rotate.isPending}
                    onPress={() =>
                      rotate.mutate({ id, gracePeriodSeconds: grace, ...(currentPassword !== '' && { currentPassword }) }, { onSuccess: (result) => onRotated(result.data.token, result.data.name) })
                    }
                  >
                    Rotate
                  </Button>
                </div>
                {asksForPassword && <StepUpPassword value={currentPassword} onChange={setCurrentPassword} />}
                <ErrorMessage error={rotate.error} />
              </>
            )}
          </>
        )}
        <div className="actions">
          <Button className="button" onPress={onClose}>
            Close
          </Button>
          {credential?.status === 'active' && (
            <Button className="button" isDisabled={disable.isPending} onPress={() => disable.mutate({ id })}>
              Disable
            </Button>
          )}
          {credential?.status === 'disabled' && (
            <Button className="button" isDisabled={enable.isPending} onPress={() => enable.mutate({ id })}>
              Enable
            </Button>
          )}
          {(credential?.status === 'active' || credential?.status === 'disabled') && (
            <Button className="button danger" onPress={() => setConfirming(true)}>
              Revoke
            </Button>
          )}
        </div>
        <ErrorMessage error={disable.error ?? enable.error} />
      </ModalDialog>
      <ConfirmDialog
        title={`Revoke “${credential?.name ?? ''}”?`}
        isOpen={confirming}
        onCancel={() => setConfirming(false)}
        confirmLabel="Revoke"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoke.mutate({ id }, { onSuccess: onClose })}
      >
        <p>Requests with it are refused from the very next one. This cannot be undone: you would create a new {WORDS[kind].one} instead.</p>
      </ConfirmDialog>
    </>
  )
}
