import { lstat, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import { parseToken, tokenScanPattern, TOKEN_PREFIX_PATTERN, type TokenKind } from '@brandwave/core'
import { Option, type Command } from 'commander'
import { UsageError } from './input.js'
import { CliFailure, colours, printJson } from './output.js'

const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules'])
const KINDS: readonly TokenKind[] = ['live', 'test', 'at', 'rt']
/** Git's own test: a NUL byte early in the file means binary. */
const BINARY_SNIFF_BYTES = 8000
const STDIN = '(stdin)'

export interface Finding {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly kind: TokenKind
  /** Enough to recognise the token, never enough to use it. */
  readonly masked: string
}

/** Tokens of `prefix` in `content` whose checksum is valid; lookalikes are ignored. */
export function findTokens(file: string, content: string, prefix: string): Finding[] {
  const pattern = tokenScanPattern(prefix)
  const findings: Finding[] = []
  content.split('\n').forEach((text, index) => {
    for (const match of text.matchAll(pattern)) {
      const parsed = parseToken(match[0], prefix, KINDS)
      if (!parsed.ok) continue
      const body = match[0].length - match[0].indexOf('_', prefix.length + 1) - 1
      findings.push({ file, line: index + 1, column: (match.index ?? 0) + 1, kind: parsed.token.kind, masked: `${parsed.token.start}…[${body} chars]` })
    }
  })
  return findings
}

function isBinary(content: Buffer): boolean {
  return content.subarray(0, BINARY_SNIFF_BYTES).includes(0)
}

/** Files under `path`, depth first in name order; symbolic links are not followed (no loops, nothing outside). */
async function* filesUnder(path: string): AsyncGenerator<string> {
  const stats = await lstat(path)
  if (stats.isFile()) {
    yield path
    return
  }
  if (!stats.isDirectory()) return
  const entries = await readdir(path, { withFileTypes: true })
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const entry of entries) {
    if (entry.isDirectory() && SKIPPED_DIRECTORIES.has(entry.name)) continue
    if (entry.isDirectory() || entry.isFile()) yield* filesUnder(join(path, entry.name))
  }
}

async function scanPaths(paths: readonly string[], prefix: string): Promise<Finding[]> {
  const findings: Finding[] = []
  if (paths.length === 0) {
    const content = await buffer(process.stdin)
    return isBinary(content) ? [] : findTokens(STDIN, content.toString('utf8'), prefix)
  }
  for (const path of paths) {
    try {
      for await (const file of filesUnder(path)) {
        const content = await readFile(file)
        if (!isBinary(content)) findings.push(...findTokens(file, content.toString('utf8'), prefix))
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new CliFailure(`cannot read ${path}${code === undefined ? '' : ` (${code})`}`)
    }
  }
  return findings
}

export function scanCommand(program: Command): void {
  program
    .command('scan')
    .description('find Brandwave tokens (valid checksum) in files, directories or standard input; exits 1 when it finds any')
    .argument('[path...]', 'files or directories (.git, node_modules and binary files are skipped); standard input when none')
    .addOption(new Option('--prefix <prefix>', 'the token prefix to look for').env('BRANDWAVE_TOKEN_PREFIX').default('bw'))
    .addOption(new Option('--json', 'print the findings as JSON'))
    .addHelpText(
      'after',
      [
        '',
        'It needs no server or database. Examples:',
        '  npx brandwave scan .',
        '  git diff --cached | npx brandwave scan',
        '  git diff --cached --name-only --diff-filter=ACMR -z | xargs -0 -r npx --no-install brandwave scan',
      ].join('\n'),
    )
    .action(async (paths: string[], options: { prefix: string; json?: boolean }) => {
      // An empty BRANDWAVE_TOKEN_PREFIX means the default, as it does for the server.
      const prefix = options.prefix.trim() === '' ? 'bw' : options.prefix.trim()
      if (!TOKEN_PREFIX_PATTERN.test(prefix)) throw new UsageError('--prefix must be 2–16 lowercase letters or digits, starting with a letter.')
      const findings = await scanPaths(paths, prefix)
      if (options.json === true) printJson({ findings })
      else {
        for (const finding of findings) process.stdout.write(`${finding.file}:${finding.line}: ${finding.masked}\n`)
        if (findings.length > 0) {
          const paint = colours(process.stderr)
          process.stderr.write(paint('red', `Found ${findings.length} Brandwave token${findings.length === 1 ? '' : 's'}. Remove them, and revoke any that were ever shared or committed.\n`))
        }
      }
      if (findings.length > 0) process.exitCode = 1
    })
}
