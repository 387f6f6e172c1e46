import { useBrandwave } from '@brandwave/react'
import { useQuery } from '@tanstack/react-query'
import { useState, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { Navigate, useLocation, useParams } from 'react-router'
import { useSession, useSignedInUser } from '../session.js'
import { ErrorMessage } from '../ui.js'

/**
 * The OAuth sign-in and consent page (SPEC §6, §12): where oidc-provider sends the browser
 * during an app's authorization. Signed out, it goes through the dashboard's own sign-in
 * (2FA included) and comes back; signed in, it shows the app and what it asks, in words.
 */
export function ConsentPage(): ReactNode {
  const { status } = useSession()
  const location = useLocation()
  if (status === 'resuming') return <p className="loading">Loading…</p>
  if (status === 'signed-out') return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />
  return <Consent />
}

function Consent(): ReactNode {
  const { uid = '' } = useParams()
  const { signOut } = useSession()
  const client = useBrandwave()
  const user = useSignedInUser()
  const details = useQuery({ queryKey: ['brandwave', 'oauth-interaction', uid], queryFn: ({ signal }) => client.oauthInteractions.get({ uid }, { signal }) })
  const [pending, setPending] = useState<'allow' | 'deny' | null>(null)
  const [error, setError] = useState<unknown>(null)

  const decide = async (decision: 'allow' | 'deny') => {
    setPending(decision)
    setError(null)
    try {
      const { data } = await client.oauthInteractions.decide({ uid, decision })
      // Back through the authorization endpoint, which sends the browser on to the app.
      window.location.assign(data.redirectTo)
    } catch (caught) {
      setError(caught)
      setPending(null)
    }
  }

  if (details.isPending) return <p className="loading">Loading…</p>
  if (details.error !== null) {
    return (
      <main className="sign-in">
        <h1>This request cannot be completed</h1>
        <ErrorMessage error={details.error} />
        <p>Go back to the app and start again.</p>
      </main>
    )
  }
  const app = details.data.data
  const name = app.clientName ?? app.clientId
  if (app.signInRequired) {
    return (
      <main className="sign-in consent">
        <h1>Sign in again</h1>
        <p>
          <strong>{name}</strong> asks you to confirm it is you with a fresh sign-in.
        </p>
        {/* Signing out brings this page back through the sign-in form. */}
        <Button className="button primary" onPress={() => void signOut()}>
          Sign in again
        </Button>
      </main>
    )
  }
  const refused = app.scopes.filter((scope) => !scope.grantable)
  return (
    <main className="sign-in consent">
      <h1>Authorize {name}</h1>
      <p>
        <strong>{name}</strong> wants to act for you{user !== undefined && <> ({user.email})</>} in <strong>{app.organization.name}</strong>. It asks to:
      </p>
      {app.scopes.length === 0 ? (
        <p>Nothing beyond knowing that you authorized it.</p>
      ) : (
        <ul className="scopes" aria-label="Permissions asked">
          {app.scopes.map((scope) => (
            <li key={scope.scope}>
              {scope.description} <code>{scope.scope}</code>
              {!scope.grantable && <span className="hint"> — not granted: your role does not allow it</span>}
            </li>
          ))}
        </ul>
      )}
      {refused.length > 0 && <p className="hint">Permissions your role does not hold are left out; the app gets the rest.</p>}
      {/* Any app may register itself (RFC 7591, open): its name is its own claim, which nobody checked. */}
      <p className="warning" role="note">
        Brandwave has not verified this app: “{name}” is the name it gave itself when it registered. Allow it only if you trust it and expected to be sent here from <code>{new URL(app.redirectUri).host}</code>.
      </p>
      <p className="hint">
        You will be sent back to <code>{new URL(app.redirectUri).host}</code>. To authorize it in another organization, switch to it in the dashboard first. You can revoke this app at any time under Settings → Authorized apps.
      </p>
      <ErrorMessage error={error} />
      <div className="actions">
        <Button className="button" onPress={() => void decide('deny')} isDisabled={pending !== null}>
          Deny
        </Button>
        <Button className="button primary" onPress={() => void decide('allow')} isDisabled={pending !== null}>
          Allow
        </Button>
      </div>
    </main>
  )
}
