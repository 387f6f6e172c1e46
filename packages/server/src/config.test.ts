import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

describe('config', () => {
  it('has defaults that serve the embedded database on localhost:3000 from ./data', () => {
    const config = loadConfig({}, '/srv/app')
    expect(config).toMatchObject({
      port: 3000,
      host: 'localhost',
      dataDir: '/srv/app/data',
      databaseUrl: null,
      secret: null,
      tokenPrefix: 'bw',
      signup: 'closed',
      hostResources: [],
      trustProxy: false,
    })
  })

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://db/brandwave',
      BRANDWAVE_SECRET: 'x'.repeat(32),
      BRANDWAVE_TOKEN_PREFIX: 'bsk',
      BRANDWAVE_RESOURCES: 'contacts, leads,contacts',
      BRANDWAVE_SIGNUP: 'open',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
    })
    expect(config).toMatchObject({ port: 8080, tokenPrefix: 'bsk', hostResources: ['contacts', 'leads'], signup: 'open', trustProxy: ['10.0.0.0/8', '127.0.0.1'] })
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true)
  })

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: '-1', DATABASE_URL: 'mysql://x', BRANDWAVE_SECRET: 'short', BRANDWAVE_TOKEN_PREFIX: 'Bad_', BRANDWAVE_RESOURCES: 'Contacts', BRANDWAVE_SIGNUP: 'maybe' })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).problems).toHaveLength(6)
    }
  })

  it('email: links come from the public URL (default: this port on localhost); SMTP is off unless set', () => {
    expect(loadConfig({ PORT: '8080' })).toMatchObject({ publicUrl: 'http://localhost:8080', smtpUrl: null })
    const config = loadConfig({ BRANDWAVE_PUBLIC_URL: 'https://auth.acme.test/', BRANDWAVE_SMTP_URL: 'smtp://user:pass@mail.acme.test:587', BRANDWAVE_EMAIL_FROM: 'Acme <no-reply@acme.test>' })
    expect(config).toMatchObject({ publicUrl: 'https://auth.acme.test', smtpUrl: 'smtp://user:pass@mail.acme.test:587', emailFrom: 'Acme <no-reply@acme.test>' })
    for (const env of [{ BRANDWAVE_PUBLIC_URL: 'auth.acme.test' }, { BRANDWAVE_PUBLIC_URL: 'https://acme.test/?x=1' }, { BRANDWAVE_SMTP_URL: 'http://mail.acme.test' }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError)
    }
  })

  it('reads the webhook retry schedule and the expiry reminder days, and refuses bad ones', () => {
    expect(loadConfig({})).toMatchObject({ webhooks: { retrySeconds: [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400], allowPrivate: false }, expiryReminderDays: [30, 7, 1] })
    const config = loadConfig({ BRANDWAVE_WEBHOOK_RETRY_SECONDS: '1, 2,2', BRANDWAVE_WEBHOOK_ALLOW_PRIVATE: 'true', BRANDWAVE_EXPIRY_REMINDER_DAYS: '3,14,3' })
    expect(config).toMatchObject({ webhooks: { retrySeconds: [1, 2, 2], allowPrivate: true }, expiryReminderDays: [14, 3] })
    expect(() => loadConfig({ BRANDWAVE_WEBHOOK_RETRY_SECONDS: '5,soon' })).toThrow(/BRANDWAVE_WEBHOOK_RETRY_SECONDS/)
    expect(() => loadConfig({ BRANDWAVE_EXPIRY_REMINDER_DAYS: '0' })).toThrow(/BRANDWAVE_EXPIRY_REMINDER_DAYS/)
    expect(() => loadConfig({ BRANDWAVE_WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow(/BRANDWAVE_WEBHOOK_ALLOW_PRIVATE/)
  })

  it('requires a shared secret with PostgreSQL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/x' })).toThrow(expect.objectContaining({ name: 'ConfigError', problems: [expect.stringContaining('BRANDWAVE_SECRET')] }))
  })
})
