/** Where a change came from: kept with every audit event (SPEC §5, audit logs). */
export interface RequestContext {
  readonly requestId: string | null
  readonly ip: string | null
  readonly userAgent: string | null
}

/** Changes made outside any request: bootstrap, the CLI. */
export const NO_REQUEST: RequestContext = { requestId: null, ip: null, userAgent: null }
