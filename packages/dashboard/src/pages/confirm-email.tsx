import { useConfirmEmailChange } from '@brandwave/react'
import { useEffect, useState, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { Link } from 'react-router'
import { forgetFragment, readFragmentToken } from '../fragment.js'
import { ErrorMessage } from '../ui.js'

/**
 * `/confirm-email#token=…`, the link sent to a new address. It asks for a click rather than
 * confirming on load: mail scanners that open links must not make the change for the owner.
 */
export function ConfirmEmailPage(): ReactNode {
  // Read once, kept in memory; the address bar loses the fragment.
  const [token] = useState(readFragmentToken)
  useEffect(forgetFragment, [])
  const confirm = useConfirmEmailChange()
  const changed = confirm.data?.data
  return (
    <main className="sign-in">
      <h1>Confirm your new email address</h1>
      {token === null ? (
        <p className="notice">This link has no confirmation token in it. Open the whole link from the email, or ask for the change again under Security.</p>
      ) : changed !== undefined ? (
        <p role="status">
          Your account’s email address is now {changed.email}. <Link to="/sign-in">Sign in</Link> with it from now on.
        </p>
      ) : (
        <>
          <p>Your account’s address changes to this one once you confirm.</p>
          <ErrorMessage error={confirm.error} />
          <Button className="button primary" isDisabled={confirm.isPending} onPress={() => confirm.mutate({ token })}>
            Confirm email address
          </Button>
        </>
      )}
    </main>
  )
}
