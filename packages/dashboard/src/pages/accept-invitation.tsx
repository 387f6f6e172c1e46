import { useBrandwave } from '@brandwave/react'
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { Link, useNavigate } from 'react-router'
import { forgetFragment, readFragmentToken } from '../fragment.js'
import { useSession } from '../session.js'
import { ErrorMessage } from '../ui.js'

const AFTER_JOINING = '/settings/members'

/** `/invitations/accept#token=…`: a newcomer signs up here; someone signed in accepts. */
export function AcceptInvitationPage(): ReactNode {
  // Read once, kept in memory; the address bar loses the fragment.
  const [token] = useState(readFragmentToken)
  useEffect(forgetFragment, [])
  const { status } = useSession()
  return (
    <main className="sign-in">
      <h1>Join an organization on Brandwave</h1>
      {token === null ? (
        <p className="notice">This link has no invitation in it. Open the whole link from the invitation email, or ask whoever invited you for a new one.</p>
      ) : status === 'resuming' ? (
        <p className="loading">Loading…</p>
      ) : status === 'signed-in' ? (
        <AcceptAsSignedIn token={token} />
      ) : (
        <SignUpWithInvitation token={token} />
      )}
    </main>
  )
}

function AcceptAsSignedIn({ token }: { token: string }): ReactNode {
  const client = useBrandwave()
  const { switchOrganization } = useSession()
  const navigate = useNavigate()
  const [error, setError] = useState<unknown>(null)
  const [pending, setPending] = useState(false)
  const accept = async () => {
    setPending(true)
    setError(null)
    try {
      const { data } = await client.invitations.accept({ token })
      await switchOrganization(data.organizationId)
      await navigate(AFTER_JOINING, { replace: true })
    } catch (caught) {
      setError(caught)
    } finally {
      setPending(false)
    }
  }
  return (
    <>
      <p>You are signed in. Accept the invitation to join the organization with the account of the invited address.</p>
      <ErrorMessage error={error} />
      <button type="button" className="button primary" disabled={pending} onClick={() => void accept()}>
        Accept invitation
      </button>
    </>
  )
}

function SignUpWithInvitation({ token }: { token: string }): ReactNode {
  const client = useBrandwave()
  const { signIn } = useSession()
  const navigate = useNavigate()
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [pending, setPending] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setPending(true)
    setError(null)
    try {
      const { data } = await client.auth.signup({ email: email.trim(), name: name.trim(), password, invitationToken: token })
      await signIn({ email: email.trim(), password, organizationId: data.organization.id })
      await navigate(AFTER_JOINING, { replace: true })
    } catch (caught) {
      setError(caught)
    } finally {
      setPending(false)
    }
  }

  return (
    <>
      <p>Create your account to accept the invitation. Use the address the invitation was sent to.</p>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error === null ? undefined : 'accept-error'}>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          Name
          <input name="name" autoComplete="name" required value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="new-password" required minLength={12} value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        <ErrorMessage error={error} id="accept-error" />
        <button type="submit" className="button primary" disabled={pending}>
          Create account and join
        </button>
      </form>
      <p>
        Already have an account with this address?{' '}
        <Link to="/sign-in" state={{ from: `/invitations/accept#token=${encodeURIComponent(token)}` }}>
          Sign in to accept
        </Link>
      </p>
    </>
  )
}
