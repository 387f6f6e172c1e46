import type { CredentialStatus } from '@brandwave/core'
import { Option, type Command } from 'commander'
import { loadCliConfig } from './config.js'
import { checkBody, integerIn, uuidArgument } from './input.js'
import { colours, printJson, printTable } from './output.js'
import { credentialResponse, issuedCredentialResponse } from '../routes/credential-response.js'
import { NO_REQUEST } from '../request-context.js'
import type { IssuedCredential } from '../services/credentials.js'

const CREATE_FLAGS = {
  name: '--name',
  scopes: '--scope',
  environment: '--environment',
  expiresAt: '--expires-at',
  allowedIps: '--allowed-ip',
  rateLimit: '--rate-limit',
}
const ROTATE_FLAGS = { gracePeriodSeconds: '--grace-period', expiresAt: '--expires-at' }
const PAGE = 100

/** The database, Redis and services are loaded only by a command that uses them: `--help` and usage errors stay quick. */
const operator = () => import('./operator.js')
const contract = () => import('@brandwave/contract')

const organizationOption = () => new Option('--organization <id>', 'the organization (needed only when there are several)')
const jsonOption = () => new Option('--json', 'print JSON for scripts')

/** The secret goes to stdout alone on its line, after the record: shown this once. */
function printIssued(issued: IssuedCredential, verb: string, json: boolean): void {
  const now = Date.now()
  if (json) return printJson(issuedCredentialResponse(issued, now))
  const paint = colours(process.stdout)
  const key = credentialResponse(issued.credential, now)
  process.stdout.write(
    [
      `${verb} API key "${key.name}" (${key.id})`,
      `  environment: ${key.environment}   scopes: ${(key.scopes ?? []).join(' ')}   expires: ${key.expiresAt ?? 'never'}`,
      paint('yellow', 'The secret is shown this once; store it now:'),
      paint('bold', issued.token),
      '',
    ].join('\n'),
  )
}

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('create, list, revoke and rotate organization API keys')

  keys
    .command('create')
    .description('create an API key and print its secret once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scope <scope...>', 'a scope it holds, e.g. members:read (repeat or list several; your own from BRANDWAVE_RESOURCES)')
    .addOption(new Option('--environment <environment>', 'live or test').choices(['live', 'test']))
    .option('--expires-at <time>', 'when it stops working (ISO 8601, e.g. 2027-01-31T00:00:00Z)')
    .option('--allowed-ip <cidr...>', 'only requests from these addresses or CIDR ranges')
    .option('--rate-limit <perMinute>', 'requests per minute (default: the deployment default)', integerIn(1, 1_000_000))
    .addOption(organizationOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  npx brandwave keys create --name "CI deploy" --scope members:read --scope audit_logs:read --expires-at 2027-01-31T00:00:00Z')
    .action(async (options: { name: string; scope: string[]; environment?: 'live' | 'test'; expiresAt?: string; allowedIp?: string[]; rateLimit?: number; organization?: string; json?: boolean }) => {
      const body = await checkBody(
        (await contract()).createApiKey.body,
        {
          name: options.name,
          scopes: options.scope,
          ...(options.environment !== undefined && { environment: options.environment }),
          ...(options.expiresAt !== undefined && { expiresAt: options.expiresAt }),
          ...(options.allowedIp !== undefined && { allowedIps: options.allowedIp }),
          ...(options.rateLimit !== undefined && { rateLimit: { requestsPerMinute: options.rateLimit } }),
        },
        CREATE_FLAGS,
      )
      const issued = await (await operator()).asOperator(loadCliConfig(), options.organization, ({ services, principal }) => services.credentials.create(principal, 'api_key', body, NO_REQUEST))
      printIssued(issued, 'Created', options.json === true)
    })

  keys
    .command('list')
    .description("list the organization's API keys (never their secrets)")
    .addOption(new Option('--status <status>', 'only keys in this state').choices(['active', 'disabled', 'expired', 'revoked']))
    .addOption(new Option('--environment <environment>', 'only live or test keys').choices(['live', 'test']))
    .addOption(organizationOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  npx brandwave keys list --status active')
    .action(async (options: { status?: CredentialStatus; environment?: 'live' | 'test'; organization?: string; json?: boolean }) => {
      const filter = { ...(options.status !== undefined && { status: options.status }), ...(options.environment !== undefined && { environment: options.environment }) }
      const { items, totalCount, facets } = await (await operator()).asOperator(loadCliConfig(), options.organization, async ({ services, principal }) => {
        const all = []
        let afterSeq: number | null = null
        for (;;) {
          const page = await services.credentials.list(principal, 'api_key', { ...filter, limit: PAGE, afterSeq })
          all.push(...page.items)
          if (page.nextAfterSeq === null) return { items: all, totalCount: page.totalCount, facets: page.facets }
          afterSeq = page.nextAfterSeq
        }
      })
      const now = Date.now()
      const shown = items.map((item) => credentialResponse(item, now))
      if (options.json === true) return printJson({ items: shown, totalCount, facets })
      if (shown.length === 0) return void process.stdout.write('No API keys.\n')
      printTable([
        ['ID', 'NAME', 'ENV', 'STATUS', 'KEY', 'SCOPES', 'EXPIRES', 'LAST USED'],
        ...shown.map((key) => [key.id, key.name, key.environment, key.status, `${key.start}…${key.last4}`, (key.scopes ?? []).join(','), key.expiresAt ?? 'never', key.lastUsedAt ?? 'never']),
      ])
    })

  keys
    .command('revoke')
    .description('revoke an API key now: every running instance refuses it on its next request')
    .argument('<id>', 'the key id (see keys list)', uuidArgument)
    .addOption(organizationOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  npx brandwave keys revoke 0190b7a2-6c1e-7cc4-9d52-6b1f3f0c2a11')
    .action(async (id: string, options: { organization?: string; json?: boolean }) => {
      const revoked = await (await operator()).asOperator(loadCliConfig(), options.organization, ({ services, principal }) => services.credentials.revoke(principal, 'api_key', id, NO_REQUEST))
      const key = credentialResponse(revoked, Date.now())
      if (options.json === true) return printJson(key)
      process.stdout.write(`Revoked API key "${key.name}" (${key.id}) at ${key.revokedAt ?? ''}\n`)
    })

  for (const [command, disabled] of [['disable', true], ['enable', false]] as const) {
    keys
      .command(command)
      .description(
        disabled
          ? 'switch an API key off until it is enabled again: every running instance refuses it on its next request'
          : 'switch a disabled API key on again (a revoked one stays revoked)',
      )
      .argument('<id>', 'the key id (see keys list)', uuidArgument)
      .addOption(organizationOption())
      .addOption(jsonOption())
      .addHelpText('after', `\nExample:\n  npx brandwave keys ${command} 0190b7a2-6c1e-7cc4-9d52-6b1f3f0c2a11`)
      .action(async (id: string, options: { organization?: string; json?: boolean }) => {
        const changed = await (await operator()).asOperator(loadCliConfig(), options.organization, ({ services, principal }) =>
          services.credentials.setDisabled(principal, 'api_key', id, disabled, NO_REQUEST),
        )
        const key = credentialResponse(changed, Date.now())
        if (options.json === true) return printJson(key)
        process.stdout.write(`API key "${key.name}" (${key.id}) is ${key.status}\n`)
      })
  }

  keys
    .command('rotate')
    .description('issue a successor with the same settings and print its secret once; the old key stops now or after the grace period')
    .argument('<id>', 'the key id (see keys list)', uuidArgument)
    .option('--grace-period <seconds>', 'how long the old key keeps working (default 0: it stops now)', integerIn(0, 7 * 24 * 3600))
    .option('--expires-at <time>', 'when the successor stops working (default: when the old one would have)')
    .addOption(organizationOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  npx brandwave keys rotate 0190b7a2-6c1e-7cc4-9d52-6b1f3f0c2a11 --grace-period 3600')
    .action(async (id: string, options: { gracePeriod?: number; expiresAt?: string; organization?: string; json?: boolean }) => {
      const body = await checkBody(
        (await contract()).rotateApiKey.body,
        { ...(options.gracePeriod !== undefined && { gracePeriodSeconds: options.gracePeriod }), ...(options.expiresAt !== undefined && { expiresAt: options.expiresAt }) },
        ROTATE_FLAGS,
      )
      const issued = await (await operator()).asOperator(loadCliConfig(), options.organization, ({ services, principal }) => services.credentials.rotate(principal, 'api_key', id, body, NO_REQUEST))
      printIssued(issued, 'Rotated; the successor is', options.json === true)
    })
}
