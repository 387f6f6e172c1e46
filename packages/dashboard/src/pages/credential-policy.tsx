import { useCredentialPolicy, useSetCredentialPolicy } from '@brandwave/react'
import type { Credential, CredentialPolicy } from '@brandwave/sdk'
import { useState, type FormEvent, type ReactNode } from 'react'
import { useSignedInUser } from '../session.js'
import { ErrorMessage, formatTime } from '../ui.js'

const DAY_S = 86_400

/** Each rule in words, as the key details and the policy page name it. */
export const RULE_WORDS: Record<NonNullable<Credential['policyViolations']>[number], string> = {
  POLICY_MAX_LIFETIME: 'lives longer than the maximum lifetime',
  POLICY_EXPIRY_REQUIRED: 'has no expiry',
  POLICY_ENVIRONMENT: 'is in an environment the policy does not allow',
  POLICY_LIVE_ALLOWED_IPS: 'is a live key without an IP allowlist',
}

/** A row of the key details: the rules of the policy an existing credential breaks. */
export function PolicyViolations({ credential }: { credential: Credential }): ReactNode {
  const broken = credential.policyViolations ?? []
  if (broken.length === 0) return null
  return (
    <>
      <dt>Out of policy</dt>
      <dd className="policy-violations">It predates the organization’s credential policy: it {broken.map((rule) => RULE_WORDS[rule]).join('; it ')}. Rotate or replace it to meet the policy.</dd>
    </>
  )
}

/** Beside a listed credential's status: it breaks the organization's policy (its details say how). */
export function OutOfPolicyBadge({ credential }: { credential: Credential }): ReactNode {
  if ((credential.policyViolations ?? []).length === 0) return null
  return <span className="badge out-of-policy">out of policy</span>
}

export function CredentialPolicyPage(): ReactNode {
  const user = useSignedInUser()
  if (user === undefined) return <p className="loading">Loading…</p>
  if (user.role !== 'company_admin') {
    return (
      <>
        <h1>Credential policy</h1>
        <p className="notice">Only organization admins (the company_admin role) can see and change the rules for your organization’s keys and tokens. Ask an admin of your organization.</p>
      </>
    )
  }
  return <PolicyEditor />
}

function PolicyEditor(): ReactNode {
  const policy = useCredentialPolicy()
  const current = policy.data?.data
  return (
    <>
      <h1>Credential policy</h1>
      <p>Rules for the API keys and personal access tokens created, rotated or changed in your organization from now on. Existing ones are not changed; those that break a rule are marked in their details.</p>
      <ErrorMessage error={policy.error} />
      {current === undefined ? policy.isLoading && <p className="loading">Loading…</p> : <PolicyForm current={current} />}
    </>
  )
}

function PolicyForm({ current }: { current: CredentialPolicy }): ReactNode {
  const save = useSetCredentialPolicy()
  const [expiryRequired, setExpiryRequired] = useState(current.expiryRequired)
  const [maxDays, setMaxDays] = useState(current.maxLifetimeSeconds === null ? '' : String(current.maxLifetimeSeconds / DAY_S))
  const [environments, setEnvironments] = useState<ReadonlySet<'live' | 'test'>>(new Set(current.allowedEnvironments))
  const [liveRequiresAllowedIps, setLiveRequiresAllowedIps] = useState(current.liveRequiresAllowedIps)
  const [problem, setProblem] = useState<string | null>(null)
  const [saved, setSaved] = useState(false)

  const toggle = (environment: 'live' | 'test', on: boolean) => {
    const next = new Set(environments)
    if (on) next.add(environment)
    else next.delete(environment)
    setEnvironments(next)
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    setSaved(false)
    const days = maxDays.trim() === '' ? null : Number(maxDays)
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > 3660)) return setProblem('Maximum lifetime: a whole number of days from 1 to 3660, or empty for no limit.')
    if (environments.size === 0) return setProblem('Allowed environments: allow at least one, or no key could be created.')
    setProblem(null)
    save.mutate(
      {
        // A lifetime bound is a requirement to expire: the form keeps the two consistent.
        expiryRequired: expiryRequired || days !== null,
        maxLifetimeSeconds: days === null ? null : days * DAY_S,
        allowedEnvironments: (['live', 'test'] as const).filter((environment) => environments.has(environment)),
        liveRequiresAllowedIps,
      },
      {
        onSuccess: (result) => {
          // What was stored, as stored: a lifetime bound turned "Require an expiry" on.
          setExpiryRequired(result.data.expiryRequired)
          setSaved(true)
        },
      },
    )
  }

  return (
    <form className="form policy" onSubmit={submit} noValidate>
      <label className="check">
        <input type="checkbox" checked={expiryRequired} onChange={(event) => setExpiryRequired(event.target.checked)} />
        Require an expiry
      </label>
      <label>
        Maximum lifetime (days)
        <input type="number" inputMode="numeric" min={1} max={3660} value={maxDays} onChange={(event) => setMaxDays(event.target.value)} aria-describedby="max-lifetime-help" />
      </label>
      <p id="max-lifetime-help" className="help">
        Empty for no limit. A limit also requires an expiry.
      </p>
      <fieldset className="inline">
        <legend>Allowed environments</legend>
        {(['live', 'test'] as const).map((environment) => (
          <label key={environment} className="check">
            <input type="checkbox" checked={environments.has(environment)} onChange={(event) => toggle(environment, event.target.checked)} />
            {environment}
          </label>
        ))}
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={liveRequiresAllowedIps} onChange={(event) => setLiveRequiresAllowedIps(event.target.checked)} />
        Require an IP allowlist for live keys
      </label>
      {problem !== null && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <ErrorMessage error={save.error} />
      <div className="actions">
        <button type="submit" className="button primary" disabled={save.isPending}>
          Save policy
        </button>
      </div>
      <p role="status" className="success">
        {saved ? 'Policy saved.' : ''}
      </p>
      {current.updatedAt !== null && (
        <p className="help">
          Last changed {formatTime(current.updatedAt)} by {current.updatedBy?.name ?? '—'}.
        </p>
      )}
    </form>
  )
}
