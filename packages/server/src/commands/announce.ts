import type { BootstrapResult } from '../sign-in/bootstrap.js'

/**
 * Printed, not logged: log pipelines keep lines forever; a terminal is read once. This is
 * the one place the generated admin password is ever shown.
 */
export function printBootstrap(bootstrap: BootstrapResult): void {
  if (!bootstrap.created) return
  const lines = [
    '',
    'Brandwave created the first organization and its administrator:',
    `  email:    ${bootstrap.email}`,
    bootstrap.generatedPassword === null ? '  password: (from BRANDWAVE_ADMIN_PASSWORD)' : `  password: ${bootstrap.generatedPassword}`,
    ...(bootstrap.generatedPassword === null ? [] : ['  This password is shown once. Sign in and change it: POST /v1/auth/password.']),
    '',
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}

/** The line supervisors (and the tests) wait for: the server takes requests from now on. */
export function announce(url: string, mode: string): void {
  process.stdout.write(`Brandwave is listening on ${url} (${mode}); API docs at ${url}/docs\n`)
}
