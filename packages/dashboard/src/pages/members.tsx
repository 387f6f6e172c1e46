import { useChangeMemberRole, useMembers, useRemoveMember } from '@brandwave/react'
import type { ResponseOf } from '@brandwave/sdk'
import { useState, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { useSignedInUser } from '../session.js'
import { ConfirmDialog, ErrorMessage, formatTime } from '../ui.js'
import { InviteButton, PendingInvitations } from './invitations.js'

type Member = ResponseOf<'listMembers'>['items'][number]

export function MembersPage(): ReactNode {
  const user = useSignedInUser()
  if (user === undefined) return <p className="loading">Loading…</p>
  if (user.role !== 'company_admin') {
    return (
      <>
        <h1>Members</h1>
        <p className="notice">Only organization admins (the company_admin role) manage members and their roles.</p>
      </>
    )
  }
  return <MemberList selfId={user.userId} />
}

function MemberList({ selfId }: { selfId: string }): ReactNode {
  const [cursors, setCursors] = useState<string[]>([])
  const cursor = cursors[cursors.length - 1]
  const members = useMembers({ limit: 50, ...(cursor !== undefined && { cursor }) })
  const changeRole = useChangeMemberRole()
  const remove = useRemoveMember()
  const [removing, setRemoving] = useState<Member | null>(null)

  return (
    <>
      <div className="page-head">
        <h1>Members</h1>
        <InviteButton />
      </div>
      <ErrorMessage error={members.error} />
      <ErrorMessage error={changeRole.error} />
      {members.data !== undefined && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Members</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">2FA</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.items.map((member) => (
                <tr key={member.userId}>
                  <th scope="row">{member.name}</th>
                  <td>{member.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${member.email}`}
                      value={member.role}
                      disabled={changeRole.isPending}
                      onChange={(event) => changeRole.mutate({ userId: member.userId, role: event.target.value as Member['role'] })}
                    >
                      <option value="company_admin">company_admin</option>
                      <option value="member">member</option>
                    </select>
                  </td>
                  <td>{member.twoFactorEnabled ? 'On' : 'Off'}</td>
                  <td>{formatTime(member.joinedAt)}</td>
                  <td>
                    {member.userId !== selfId && (
                      <Button className="button danger" aria-label={`Remove ${member.email}`} onPress={() => setRemoving(member)}>
                        Remove
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {members.data !== undefined && (
        <div className="pager">
          <span>{members.data.totalCount} in all</span>
          <Button className="button" isDisabled={cursors.length === 0} onPress={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </Button>
          <Button className="button" isDisabled={members.data.nextCursor === null} onPress={() => members.data.nextCursor !== null && setCursors([...cursors, members.data.nextCursor])}>
            Next page
          </Button>
        </div>
      )}
      <ConfirmDialog
        title={`Remove ${removing?.email ?? ''}?`}
        isOpen={removing !== null}
        onCancel={() => {
          setRemoving(null)
          remove.reset()
        }}
        confirmLabel="Remove"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => removing !== null && remove.mutate({ userId: removing.userId }, { onSuccess: () => setRemoving(null) })}
      >
        <p>They lose access to this organization at once: their personal access tokens here are revoked and their sessions end.</p>
      </ConfirmDialog>
      <PendingInvitations />
    </>
  )
}
