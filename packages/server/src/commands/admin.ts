import { text } from 'node:stream/consumers'
import { Option, type Command } from 'commander'
import { loadCliConfig } from './config.js'
import { colours, printJson } from './output.js'
import { NO_REQUEST } from '../request-context.js'

/** Loaded only when the command runs: `--help` and usage errors stay quick. */
const operator = () => import('./operator.js')

const OUTCOMES = {
  account: 'Created the account',
  membership: 'Added the existing account',
  promoted: 'Promoted the member',
} as const

/** A password arrives on standard input, never as an argument: arguments show in `ps` and shell history. */
async function readPassword(): Promise<string> {
  return (await text(process.stdin)).replace(/\r?\n$/, '')
}

export function adminCommand(program: Command): void {
  const admin = program.command('admin').description('manage who administers an organization')

  admin
    .command('create')
    .description('make someone a company_admin: the way back in when no admin can sign in')
    .requiredOption('--email <email>', 'their sign-in email; a new account is created when none has it')
    .option('--password-stdin', 'read the new account\'s password from standard input (otherwise one is generated and printed once)')
    .addOption(new Option('--organization <id>', 'the organization (needed only when there are several)'))
    .addOption(new Option('--json', 'print JSON for scripts'))
    .addHelpText(
      'after',
      '\nExamples:\n  npx brandwave admin create --email ada@example.com\n  printf "%s" "$NEW_ADMIN_PASSWORD" | npx brandwave admin create --email ada@example.com --password-stdin',
    )
    .action(async (options: { email: string; passwordStdin?: boolean; organization?: string; json?: boolean }) => {
      const password = options.passwordStdin === true ? await readPassword() : null
      const created = await (await operator()).asOperator(loadCliConfig(), options.organization, ({ services, principal }) =>
        services.admins.create(principal, { email: options.email, password }, NO_REQUEST),
      )
      if (options.json === true) {
        const { generatedPassword, ...rest } = created
        return printJson({ ...rest, ...(generatedPassword !== null && { password: generatedPassword }) })
      }
      const lines = [`${OUTCOMES[created.outcome]} ${created.email} as company_admin of organization ${created.organizationId}.`]
      if (created.generatedPassword !== null) {
        const paint = colours(process.stdout)
        lines.push(paint('yellow', 'The password is shown this once; sign in and change it:'), `  password: ${paint('bold', created.generatedPassword)}`)
      } else if (created.outcome !== 'account') {
        lines.push('Their password is unchanged.')
      }
      process.stdout.write(`${lines.join('\n')}\n`)
    })
}
