import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_DASHBOARD_DIR } from '@brandwave/server'

/**
 * Tests that load the dashboard need it built; `npm test` builds it (typecheck runs the
 * build), and a lone `vitest run` of such a file builds it here, once.
 */
export function ensureDashboardBuilt(): void {
  if (existsSync(join(DEFAULT_DASHBOARD_DIR, 'index.html'))) return
  execFileSync('npm', ['run', 'build', '-w', 'packages/dashboard'], { cwd: join(DEFAULT_DASHBOARD_DIR, '..', '..', '..'), stdio: 'inherit' })
}
