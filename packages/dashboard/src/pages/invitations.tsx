import { useCreateInvitation, useInvitations, useWithdrawInvitation } from '@brandwave/react'
import type { ResponseOf } from '@brandwave/sdk'
import { useState, type FormEvent, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { ShownOnceDialog } from '../shown-once.js'
import { ConfirmDialog, ErrorMessage, formatTime, ModalDialog } from '../ui.js'

type Invitation = ResponseOf<'listInvitations'>['items'][number]
type Role = Invitation['role']

/** The `Invite` button of the Members page, with its form and the link shown once. */
export function InviteButton(): ReactNode {
  const [inviting, setInviting] = useState(false)
  const [link, setLink] = useState<{ url: string; email: string } | null>(null)
  return (
    <>
      <Button className="button primary" onPress={() => setInviting(true)}>
        Invite
      </Button>
      {inviting && (
        <InviteDialog
          onClose={() => setInviting(false)}
          onInvited={(url, email) => {
            setInviting(false)
            setLink({ url, email })
          }}
        />
      )}
      {link !== null && (
        <ShownOnceDialog
          title="Invitation link"
          label="Invitation link"
          value={link.url}
          onDone={() => setLink(null)}
          warning={
            <>
              {link.email} gets this link by email when this server sends email; otherwise share it with them yourself. Anyone with the link can join, once, within 7 days, and it is not shown again.
            </>
          }
        />
      )}
    </>
  )
}

function InviteDialog({ onClose, onInvited }: { onClose: () => void; onInvited: (url: string, email: string) => void }): ReactNode {
  const create = useCreateInvitation()
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('member')
  const submit = (event: FormEvent) => {
    event.preventDefault()
    create.mutate({ email: email.trim(), role }, { onSuccess: (result) => onInvited(result.data.acceptUrl, result.data.email) })
  }
  return (
    <ModalDialog title="Invite someone" isOpen onClose={onClose}>
      <form onSubmit={submit}>
        <label>
          Email
          <input type="email" name="email" required autoFocus value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          Role
          <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
            <option value="member">member</option>
            <option value="company_admin">company_admin</option>
          </select>
        </label>
        <ErrorMessage error={create.error} />
        <div className="actions">
          <Button className="button" onPress={onClose}>
            Cancel
          </Button>
          <button type="submit" className="button primary" disabled={create.isPending}>
            Send invitation
          </button>
        </div>
      </form>
    </ModalDialog>
  )
}

/** Invitations not yet accepted, with `Withdraw`. */
export function PendingInvitations(): ReactNode {
  const invitations = useInvitations({ limit: 100 })
  const withdraw = useWithdrawInvitation()
  const [withdrawing, setWithdrawing] = useState<Invitation | null>(null)
  return (
    <section aria-labelledby="pending-invitations">
      <h2 id="pending-invitations">Pending invitations</h2>
      <ErrorMessage error={invitations.error} />
      {invitations.data?.items.length === 0 && <p>No pending invitations.</p>}
      {invitations.data !== undefined && invitations.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Pending invitations</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Invited by</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.data.items.map((invitation) => (
                <tr key={invitation.id}>
                  <th scope="row">{invitation.email}</th>
                  <td>{invitation.role}</td>
                  <td>{invitation.invitedBy.name}</td>
                  <td>{formatTime(invitation.expiresAt)}</td>
                  <td>
                    <Button className="button danger" aria-label={`Withdraw the invitation of ${invitation.email}`} onPress={() => setWithdrawing(invitation)}>
                      Withdraw
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        title={`Withdraw the invitation of ${withdrawing?.email ?? ''}?`}
        isOpen={withdrawing !== null}
        onCancel={() => {
          setWithdrawing(null)
          withdraw.reset()
        }}
        confirmLabel="Withdraw"
        pending={withdraw.isPending}
        error={withdraw.error}
        onConfirm={() => withdrawing !== null && withdraw.mutate({ id: withdrawing.id }, { onSuccess: () => setWithdrawing(null) })}
      >
        <p>Its link stops working at once. You can invite them again later.</p>
      </ConfirmDialog>
    </section>
  )
}
