import { useChangePassword, useDisableTwoFactor, useEnableTwoFactor, useRegenerateRecoveryCodes, useRequestEmailChange, useSetUpTwoFactor } from '@brandwave/react'
import { useMemo, useState, type FormEvent, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { renderSVG } from 'uqr'
import { useSignedInUser } from '../session.js'
import { ErrorMessage } from '../ui.js'

export function SecurityPage(): ReactNode {
  const user = useSignedInUser()
  return (
    <>
      <h1>Security</h1>
      <p className="hint">Each change here asks for your current password again, however recently you signed in: whoever has only this page’s session cannot make it.</p>
      <PasswordSection />
      {user !== undefined && <EmailSection email={user.email} />}
      {user !== undefined && <TwoFactorSection enabled={user.twoFactorEnabled} />}
    </>
  )
}

function EmailSection({ email }: { email: string }): ReactNode {
  const change = useRequestEmailChange()
  const [newEmail, setNewEmail] = useState('')
  const [currentPassword, setCurrent] = useState('')
  const requested = change.data?.data
  const submit = (event: FormEvent) => {
    event.preventDefault()
    change.mutate({ email: newEmail.trim(), currentPassword }, { onSuccess: () => setCurrent('') })
  }
  return (
    <section aria-labelledby="email-heading">
      <h2 id="email-heading">Email address</h2>
      <p>
        Now: <strong>{email}</strong>. Password resets and security notices go there.
      </p>
      {requested !== undefined ? (
        <p role="status" className="success">
          We sent a link to {requested.email}. Your address changes once you open it (before {new Date(requested.expiresAt).toLocaleString()}); {email} was told.
        </p>
      ) : (
        <form className="form narrow" onSubmit={submit}>
          <label>
            New email
            <input type="email" autoComplete="email" required value={newEmail} onChange={(event) => setNewEmail(event.target.value)} />
          </label>
          <label>
            Current password
            <input type="password" autoComplete="current-password" required value={currentPassword} onChange={(event) => setCurrent(event.target.value)} />
          </label>
          <ErrorMessage error={change.error} />
          <button type="submit" className="button primary" disabled={change.isPending}>
            Change email
          </button>
        </form>
      )}
    </section>
  )
}

function PasswordSection(): ReactNode {
  const change = useChangePassword()
  const [currentPassword, setCurrent] = useState('')
  const [newPassword, setNew] = useState('')
  const submit = (event: FormEvent) => {
    event.preventDefault()
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: () => {
          setCurrent('')
          setNew('')
        },
      },
    )
  }
  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form className="form narrow" onSubmit={submit}>
        <label>
          Current password
          <input type="password" autoComplete="current-password" required value={currentPassword} onChange={(event) => setCurrent(event.target.value)} />
        </label>
        <label>
          New password
          <input type="password" autoComplete="new-password" required value={newPassword} onChange={(event) => setNew(event.target.value)} />
        </label>
        <ErrorMessage error={change.error} />
        {change.isSuccess && (
          <p role="status" className="success">
            Password changed. Your other sessions have been signed out.
          </p>
        )}
        <button type="submit" className="button primary" disabled={change.isPending}>
          Change password
        </button>
      </form>
    </section>
  )
}

/** The authenticator's QR code, drawn here: the secret never leaves the page. */
function QrCode({ value }: { value: string }): ReactNode {
  const source = useMemo(() => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(value, { border: 2 }))}`, [value])
  return <img className="qr" src={source} width={200} height={200} alt="QR code for your authenticator app" />
}

function TwoFactorSection({ enabled }: { enabled: boolean }): ReactNode {
  const setup = useSetUpTwoFactor()
  const enable = useEnableTwoFactor()
  const disable = useDisableTwoFactor()
  const regenerate = useRegenerateRecoveryCodes()
  const [code, setCode] = useState('')
  // Asked at setup and sent again with the code that turns 2FA on; cleared once it is on.
  const [currentPassword, setCurrentPassword] = useState('')
  const [regeneratePassword, setRegeneratePassword] = useState('')
  const [recoveryCodes, setRecoveryCodes] = useState<readonly string[] | null>(null)

  if (recoveryCodes !== null) {
    return (
      <section aria-labelledby="tfa-heading">
        <h2 id="tfa-heading">Two-factor authentication</h2>
        <p className="warning">Two-factor authentication is on. Save these recovery codes somewhere safe: each signs you in once if you lose your authenticator, they are shown only now, and any earlier ones no longer work.</p>
        <ul className="recovery-codes" aria-label="Recovery codes">
          {recoveryCodes.map((recovery) => (
            <li key={recovery}>
              <code>{recovery}</code>
            </li>
          ))}
        </ul>
        <Button className="button primary" onPress={() => setRecoveryCodes(null)}>
          I saved my recovery codes
        </Button>
      </section>
    )
  }

  if (enabled) {
    const submit = (event: FormEvent) => {
      event.preventDefault()
      disable.mutate({ code: code.trim() }, { onSuccess: () => setCode('') })
    }
    return (
      <section aria-labelledby="tfa-heading">
        <h2 id="tfa-heading">Two-factor authentication</h2>
        <p>On: signing in asks for a code from your authenticator app.</p>
        <form className="form narrow" onSubmit={submit}>
          <label>
            Authentication code
            <input autoComplete="one-time-code" required value={code} onChange={(event) => setCode(event.target.value)} />
          </label>
          <ErrorMessage error={disable.error} />
          <button type="submit" className="button danger" disabled={disable.isPending}>
            Turn off two-factor authentication
          </button>
        </form>
        <h3 id="recovery-heading">Recovery codes</h3>
        <form
          className="form narrow"
          aria-labelledby="recovery-heading"
          onSubmit={(event) => {
            event.preventDefault()
            regenerate.mutate(
              { currentPassword: regeneratePassword },
              {
                onSuccess: (result) => {
                  setRegeneratePassword('')
                  setRecoveryCodes(result.data.recoveryCodes)
                },
              },
            )
          }}
        >
          <p>Lost them, or someone saw them? New codes replace every earlier one.</p>
          <label>
            Current password
            <input type="password" autoComplete="current-password" required value={regeneratePassword} onChange={(event) => setRegeneratePassword(event.target.value)} />
          </label>
          <ErrorMessage error={regenerate.error} />
          <button type="submit" className="button" disabled={regenerate.isPending}>
            Replace recovery codes
          </button>
        </form>
      </section>
    )
  }

  const enrolment = setup.data?.data
  const submit = (event: FormEvent) => {
    event.preventDefault()
    enable.mutate(
      { code: code.trim(), currentPassword },
      {
        onSuccess: (result) => {
          setCode('')
          setCurrentPassword('')
          setup.reset()
          setRecoveryCodes(result.data.recoveryCodes)
        },
      },
    )
  }
  return (
    <section aria-labelledby="tfa-heading">
      <h2 id="tfa-heading">Two-factor authentication</h2>
      <p>Off. With it on, signing in also asks for a code from an authenticator app.</p>
      {enrolment === undefined ? (
        <form
          className="form narrow"
          onSubmit={(event) => {
            event.preventDefault()
            setup.mutate({ currentPassword })
          }}
        >
          <label>
            Current password
            <input type="password" autoComplete="current-password" required value={currentPassword} onChange={(event) => setCurrentPassword(event.target.value)} />
          </label>
          <ErrorMessage error={setup.error} />
          <button type="submit" className="button primary" disabled={setup.isPending}>
            Set up two-factor authentication
          </button>
        </form>
      ) : (
        <form className="form narrow" onSubmit={submit}>
          <p>Scan this code with your authenticator app, or type the secret into it.</p>
          <QrCode value={enrolment.otpauthUrl} />
          <p>
            Secret: <code className="totp-secret">{enrolment.secret}</code>
          </p>
          <label>
            Authentication code
            <input autoComplete="one-time-code" inputMode="numeric" required value={code} onChange={(event) => setCode(event.target.value)} />
          </label>
          <ErrorMessage error={enable.error} />
          <button type="submit" className="button primary" disabled={enable.isPending}>
            Turn on
          </button>
        </form>
      )}
    </section>
  )
}
