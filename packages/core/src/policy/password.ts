export const PASSWORD_MIN_LENGTH = 12
/** Long enough for any passphrase, short enough that hashing it cannot be used to exhaust CPU. */
export const PASSWORD_MAX_LENGTH = 256

// The most common passwords of at least 12 characters in public breach corpora
// (NCSC "100k most common", SecLists); NIST SP 800-63B §5.1.1.2 asks to refuse them.
const COMMON_PASSWORDS = new Set([
  '123456789012', '1234567890123', '12345678901234', '123456789123', '1234567891011', '111111111111',
  '000000000000', '123123123123', '121212121212', 'aaaaaaaaaaaa', 'qwertyuiopasdfgh', 'qwertyuiopas',
  'qwertyuiop123', 'qwerty123456', '1qaz2wsx3edc', '1q2w3e4r5t6y', 'zaq12wsxcde3', 'asdfghjkl123',
  'password1234', 'password12345', 'password123456', 'passwordpassword', 'password123!', 'Password1234',
  'Password123!', 'P@ssw0rd1234', 'p@ssw0rd1234', 'iloveyou1234', 'iloveyouforever', 'administrator',
  'administrator1', 'changeme1234', 'letmein12345', 'welcome12345', 'welcome123456', 'baseball1234',
  'football1234', 'superman1234', 'trustno1trustno1', 'monkey123456', 'dragon123456', 'sunshine1234',
  'princess1234', 'abcdefghijkl', 'abcdefghijklm', 'abcd1234abcd', 'abc123abc123', 'qwerty12345678',
  'q1w2e3r4t5y6', '987654321098', '098765432109', 'aa1234567890', 'a1b2c3d4e5f6', 'correcthorsebatterystaple',
  'thequickbrownfox', 'myspace12345', 'computer1234', 'internet1234', 'starwars1234', 'pokemon12345',
])

/** Words every Brandwave deployment's passwords may not contain: the product's own name. */
export const PRODUCT_WORDS: readonly string[] = ['brandwave']

/** Shorter pieces ("Ann", "io") would refuse too many good passphrases by accident. */
const MIN_CONTEXT_WORD_LENGTH = 4

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'contains_context_word'

/**
 * The words of a person's or an organization's details (email address, name, organization
 * name) that their password may not contain: what an attacker who knows whose account it is
 * tries first (NIST SP 800-63B §5.1.1.2, ASVS 5.0 6.2.11). Lower-cased, split at anything
 * that is not a letter or a digit, at least four characters each.
 *
 * @example
 * contextWords('grace.hopper@navy.example', 'Grace Hopper') // ['grace', 'hopper', 'navy', 'example', 'grace', 'hopper']
 */
export function contextWords(...details: ReadonlyArray<string | null | undefined>): string[] {
  return details
    .flatMap((detail) => (detail ?? '').toLowerCase().split(/[^\p{L}\p{N}]+/u))
    .filter((word) => [...word].length >= MIN_CONTEXT_WORD_LENGTH)
}

/**
 * Checks a new password against the policy (NIST SP 800-63B: length, a blocklist and
 * context-specific words, no composition rules). Returns the first problem, or null when the
 * password is acceptable. `context`: from `contextWords`; the product's name always counts.
 *
 * @example
 * passwordProblem('password1234') // 'too_common'
 * passwordProblem('grace loves sailing', contextWords('grace@example.com')) // 'contains_context_word'
 */
export function passwordProblem(password: string, context: readonly string[] = []): PasswordProblem | null {
  const length = [...password].length
  if (length < PASSWORD_MIN_LENGTH) return 'too_short'
  if (length > PASSWORD_MAX_LENGTH) return 'too_long'
  const lower = password.toLowerCase()
  if (COMMON_PASSWORDS.has(password) || COMMON_PASSWORDS.has(lower)) return 'too_common'
  if ([...PRODUCT_WORDS, ...context].some((word) => lower.includes(word))) return 'contains_context_word'
  return null
}
