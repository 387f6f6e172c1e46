import { describe, expect, it } from 'vitest'
import { MigrationError } from './index.js'

describe('MigrationError', () => {
  it('names the migration that failed, and reads cleanly when none is known', () => {
    expect(new MigrationError('0002_audit_events', new Error('disk full')).message).toBe('Database migration 0002_audit_events failed: disk full')
    expect(new MigrationError(null, new Error('disk full')).message).toBe('Database migration failed: disk full')
  })
})
