/** `token` from the address's fragment (`#token=…`), which browsers never send to a server. */
export function readFragmentToken(): string | null {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token')
  return token === null || token === '' ? null : token
}

/** Drops the fragment from the address bar once read, so the token does not linger on screen. */
export function forgetFragment(): void {
  if (window.location.hash !== '') window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search)
}
