import { useAuthorizedApps, useRevokeAuthorizedApp } from '@brandwave/react'
import type { ResponseOf } from '@brandwave/sdk'
import { useState, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { ConfirmDialog, ErrorMessage, formatTime } from '../ui.js'

type AuthorizedApp = ResponseOf<'listAuthorizedApps'>['items'][number]

/** Settings → Authorized apps: the third-party apps the user let act for them (SPEC §6, §12). */
export function AuthorizedAppsPage(): ReactNode {
  const apps = useAuthorizedApps()
  const revoke = useRevokeAuthorizedApp()
  const [revoking, setRevoking] = useState<AuthorizedApp | null>(null)
  const nameOf = (app: AuthorizedApp) => app.clientName ?? app.clientId

  return (
    <>
      <h1>Authorized apps</h1>
      <p>Apps you let act for you in this organization through OAuth. Revoking one ends every token it holds for you, at once.</p>
      <ErrorMessage error={apps.error} />
      {apps.data !== undefined && apps.data.items.length === 0 && <p className="notice">You have not authorized any app here.</p>}
      {apps.data !== undefined && apps.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Authorized apps</caption>
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">Client ID</th>
                <th scope="col">Scopes</th>
                <th scope="col">Authorized</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {apps.data.items.map((app) => (
                <tr key={app.clientId}>
                  <th scope="row">{nameOf(app)}</th>
                  <td>
                    <code>{app.clientId}</code>
                  </td>
                  <td>{app.scopes.length === 0 ? '—' : app.scopes.join(', ')}</td>
                  <td>{formatTime(app.createdAt)}</td>
                  <td>{formatTime(app.lastUsedAt)}</td>
                  <td>
                    <Button className="button danger" aria-label={`Revoke ${nameOf(app)}`} onPress={() => setRevoking(app)}>
                      Revoke
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        title={`Revoke ${revoking === null ? '' : nameOf(revoking)}?`}
        isOpen={revoking !== null}
        onCancel={() => {
          setRevoking(null)
          revoke.reset()
        }}
        confirmLabel="Revoke"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking !== null && revoke.mutate({ clientId: revoking.clientId }, { onSuccess: () => setRevoking(null) })}
      >
        <p>Its access and refresh tokens stop working on the next request. It can only come back if you authorize it again.</p>
      </ConfirmDialog>
    </>
  )
}
