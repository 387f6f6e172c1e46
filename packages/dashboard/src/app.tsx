import { useState, type ReactNode } from 'react'
import { createBrowserRouter, Navigate, NavLink, Outlet, RouterProvider, useLocation } from 'react-router'
import { useMyOrganizations } from '@brandwave/react'
import { createClient, createQueryClient } from './api.js'
import { AcceptInvitationPage } from './pages/accept-invitation.js'
import { AuditLogPage } from './pages/audit-log.js'
import { AuthorizedAppsPage } from './pages/authorized-apps.js'
import { ConsentPage } from './pages/consent.js'
import { CredentialsPage } from './pages/credentials.js'
import { CredentialPolicyPage } from './pages/credential-policy.js'
import { MembersPage } from './pages/members.js'
import { ForgotPasswordPage, ResetPasswordPage } from './pages/reset-password.js'
import { ConfirmEmailPage } from './pages/confirm-email.js'
import { SecurityPage } from './pages/security.js'
import { SignInPage } from './pages/sign-in.js'
import { WebhooksPage } from './pages/webhooks.js'
import { SessionProvider, useSession, useSignedInUser } from './session.js'
import { ErrorMessage } from './ui.js'

export const API_KEYS_PATH = '/settings/developer/api-keys'

const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  { path: '/invitations/accept', element: <AcceptInvitationPage /> },
  { path: '/forgot-password', element: <ForgotPasswordPage /> },
  { path: '/reset-password', element: <ResetPasswordPage /> },
  { path: '/confirm-email', element: <ConfirmEmailPage /> },
  { path: '/oauth/interaction/:uid', element: <ConsentPage /> },
  {
    element: <SignedIn />,
    children: [
      { path: '/', element: <Navigate to={API_KEYS_PATH} replace /> },
      { path: '/settings', element: <Navigate to={API_KEYS_PATH} replace /> },
      { path: '/settings/developer', element: <Navigate to={API_KEYS_PATH} replace /> },
      { path: API_KEYS_PATH, element: <CredentialsPage kind="apiKeys" /> },
      { path: '/settings/developer/personal-access-tokens', element: <CredentialsPage kind="personalAccessTokens" /> },
      { path: '/settings/developer/webhooks', element: <WebhooksPage /> },
      { path: '/settings/security', element: <SecurityPage /> },
      { path: '/settings/members', element: <MembersPage /> },
      { path: '/settings/authorized-apps', element: <AuthorizedAppsPage /> },
      { path: '/settings/audit-log', element: <AuditLogPage /> },
      { path: '/settings/credential-policy', element: <CredentialPolicyPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
])

export function App(): ReactNode {
  const [client] = useState(createClient)
  const [queryClient] = useState(createQueryClient)
  return (
    <SessionProvider client={client} queryClient={queryClient}>
      <RouterProvider router={router} />
    </SessionProvider>
  )
}

/** Every page but sign-in: waits for the session to resume, or sends the visitor to sign in and back. */
function SignedIn(): ReactNode {
  const { status } = useSession()
  const location = useLocation()
  if (status === 'resuming') return <p className="loading">Loading…</p>
  if (status === 'signed-out') return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />
  return <Layout />
}

function Layout(): ReactNode {
  const { signOut } = useSession()
  const user = useSignedInUser()
  return (
    <div className="layout">
      <header className="topbar">
        <span className="brand">Brandwave</span>
        <OrganizationControl current={user?.tenantId} />
        <span className="who">{user?.email}</span>
        <button type="button" className="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav className="sidebar" aria-label="Settings">
        <h2>Settings</h2>
        <h3 id="nav-developer">Developer</h3>
        <ul aria-labelledby="nav-developer">
          <li>
            <NavLink to={API_KEYS_PATH}>API Keys</NavLink>
          </li>
          <li>
            <NavLink to="/settings/developer/personal-access-tokens">Personal access tokens</NavLink>
          </li>
          <li>
            <NavLink to="/settings/developer/webhooks">Webhooks</NavLink>
          </li>
        </ul>
        <h3 id="nav-account">Account</h3>
        <ul aria-labelledby="nav-account">
          <li>
            <NavLink to="/settings/security">Security</NavLink>
          </li>
          <li>
            <NavLink to="/settings/members">Members</NavLink>
          </li>
          <li>
            <NavLink to="/settings/authorized-apps">Authorized apps</NavLink>
          </li>
          <li>
            <NavLink to="/settings/audit-log">Audit log</NavLink>
          </li>
          <li>
            <NavLink to="/settings/credential-policy">Credential policy</NavLink>
          </li>
        </ul>
      </nav>
      <main className="content">
        <Outlet />
      </main>
    </div>
  )
}

/** Shown only to people in more than one organization. */
function OrganizationControl({ current }: { current: string | undefined }): ReactNode {
  const organizations = useMyOrganizations()
  const { switchOrganization } = useSession()
  const [error, setError] = useState<unknown>(null)
  const items = organizations.data?.data ?? []
  if (items.length < 2 || current === undefined) return null
  return (
    <div className="organization">
      <label>
        Organization
        <select
          value={current}
          onChange={(event) => {
            setError(null)
            switchOrganization(event.target.value).catch(setError)
          }}
        >
          {items.map((organization) => (
            <option key={organization.id} value={organization.id}>
              {organization.name} ({organization.role})
            </option>
          ))}
        </select>
      </label>
      <ErrorMessage error={error} />
    </div>
  )
}

function NotFound(): ReactNode {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        Nothing is here. Go to <NavLink to={API_KEYS_PATH}>API Keys</NavLink>.
      </p>
    </>
  )
}
