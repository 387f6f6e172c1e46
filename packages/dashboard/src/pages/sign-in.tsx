import { BrandwaveError } from '@brandwave/sdk'
import { useState, type FormEvent, type ReactNode } from 'react'
import { Link, Navigate, useLocation, useNavigate } from 'react-router'
import { useSession } from '../session.js'
import { ErrorMessage } from '../ui.js'

export function SignInPage(): ReactNode {
  const { status, signIn } = useSession()
  const navigate = useNavigate()
  const location = useLocation()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [needsCode, setNeedsCode] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [pending, setPending] = useState(false)
  const from = (location.state as { from?: string } | null)?.from ?? '/'

  if (status === 'signed-in' && !pending) return <Navigate to={from} replace />

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setPending(true)
    setError(null)
    try {
      await signIn({ email, password, ...(needsCode && code.trim() !== '' && { twoFactorCode: code.trim() }) })
      await navigate(from, { replace: true })
    } catch (caught) {
      if (caught instanceof BrandwaveError && caught.code === 'two_factor_required' && !needsCode) setNeedsCode(true)
      else setError(caught)
    } finally {
      setPending(false)
    }
  }

  return (
    <main className="sign-in">
      <h1>Sign in to Brandwave</h1>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error === null ? undefined : 'sign-in-error'}>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        {needsCode && (
          <>
            <label>
              Authentication code
              <input name="code" autoComplete="one-time-code" required autoFocus value={code} onChange={(event) => setCode(event.target.value)} aria-describedby="code-hint" />
            </label>
            <p id="code-hint" className="hint">
              The 6-digit code from your authenticator app, or one of your recovery codes.
            </p>
          </>
        )}
        <ErrorMessage error={error} id="sign-in-error" />
        <button type="submit" className="button primary" disabled={pending}>
          Sign in
        </button>
      </form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
    </main>
  )
}
