import { useBrandwave } from '@brandwave/react'
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { Link } from 'react-router'
import { forgetFragment, readFragmentToken } from '../fragment.js'
import { ErrorMessage } from '../ui.js'

/** `/forgot-password`: asks for a reset link. The answer is the same whether the address has an account or not. */
export function ForgotPasswordPage(): ReactNode {
  const client = useBrandwave()
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [pending, setPending] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setPending(true)
    setError(null)
    try {
      await client.auth.requestPasswordReset({ email: email.trim() })
      setSent(true)
    } catch (caught) {
      setError(caught)
    } finally {
      setPending(false)
    }
  }
  return (
    <main className="sign-in">
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status">If an account uses {email.trim()}, we sent it a link to choose a new password. It works once, for a short time.</p>
      ) : (
        <form onSubmit={(event) => void submit(event)} aria-describedby={error === null ? undefined : 'forgot-error'}>
          <label>
            Email
            <input type="email" name="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
          </label>
          <ErrorMessage error={error} id="forgot-error" />
          <button type="submit" className="button primary" disabled={pending}>
            Send reset link
          </button>
        </form>
      )}
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </main>
  )
}

/** `/reset-password#token=…`, the emailed link: choose a new password, then sign in with it. */
export function ResetPasswordPage(): ReactNode {
  const client = useBrandwave()
  // Read once, kept in memory; the address bar loses the fragment.
  const [token] = useState(readFragmentToken)
  useEffect(forgetFragment, [])
  const [password, setPassword] = useState('')
  const [done, setDone] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [pending, setPending] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (token === null) return
    setPending(true)
    setError(null)
    try {
      await client.auth.confirmPasswordReset({ token, newPassword: password })
      setDone(true)
    } catch (caught) {
      setError(caught)
    } finally {
      setPending(false)
    }
  }
  return (
    <main className="sign-in">
      <h1>Choose a new password</h1>
      {token === null ? (
        <p className="notice">
          This link has no reset token in it. Open the whole link from the email, or <Link to="/forgot-password">ask for a new one</Link>.
        </p>
      ) : done ? (
        <p role="status">
          Your password is changed and every session of yours has ended. <Link to="/sign-in">Sign in</Link> with the new password.
        </p>
      ) : (
        <form onSubmit={(event) => void submit(event)} aria-describedby={error === null ? undefined : 'reset-error'}>
          <label>
            New password
            <input type="password" name="new-password" autoComplete="new-password" required minLength={12} value={password} onChange={(event) => setPassword(event.target.value)} />
          </label>
          <ErrorMessage error={error} id="reset-error" />
          <button type="submit" className="button primary" disabled={pending}>
            Set new password
          </button>
        </form>
      )}
    </main>
  )
}
