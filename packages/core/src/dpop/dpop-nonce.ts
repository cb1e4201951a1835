/**
 * Stateless resource-server DPoP nonces (RFC 9449 §9): a nonce is a time step and an HMAC of it,
 * so every instance that shares the secret makes and accepts the same nonces without shared
 * storage. The secret rotates by overlap: the first secret makes nonces, every listed one is
 * accepted. WebCrypto HMAC-SHA-256; the comparison is the runtime's constant-time verify.
 *
 * @module
 */
import { decodeBase64Url, encodeBase64Url } from '../jws/base64url.ts'

/**
 * Options of {@link createDpopNonces}.
 *
 * @example
 * ```ts
 * const options: DpopNonceOptions = { secrets: ['new secret of 32+ chars ...', 'old secret of 32+ chars ...'], stepSeconds: 60, acceptedSteps: 3 }
 * ```
 */
export interface DpopNonceOptions {
  /**
   * The secrets (the configuration's `nonceSecret`), the signing one first. When empty or absent,
   * a random secret is made for this process.
   */
  readonly secrets?: readonly string[] | undefined
  /** Length of one time step, in seconds. Default 60. */
  readonly stepSeconds?: number | undefined
  /** How many steps a nonce is accepted for: the current one and the ones before. Default 3. */
  readonly acceptedSteps?: number | undefined
}

/**
 * How a presented nonce stands: `current`; `expiring` (accepted, but in its last step: send a
 * fresh one with the answer); `invalid` (wrong MAC, too old, malformed, from the future).
 *
 * @example
 * ```ts
 * const standing: DpopNonceStanding = await nonces.check(proofNonce, now)
 * ```
 */
export type DpopNonceStanding = 'current' | 'expiring' | 'invalid'

/**
 * Makes and checks nonces; `now` is in seconds since the epoch.
 *
 * @example
 * ```ts
 * const nonces = createDpopNonces({ secrets: [config.nonceSecrets[0]!] })
 * const nonce = await nonces.issue(Math.floor(Date.now() / 1000))
 * ```
 */
export interface DpopNonces {
  /** A nonce for the current step. */
  issue(now: number): Promise<string>
  /** Whether `nonce` is one of ours and recent enough. */
  check(nonce: string, now: number): Promise<DpopNonceStanding>
}

const utf8 = new TextEncoder()
const maxNonceLength = 128

/**
 * Builds the nonce maker of one resource server (or fleet, when the secrets are shared).
 *
 * @example
 * ```ts
 * const nonces = createDpopNonces({ secrets: ['a shared secret of at least 32 characters'] })
 * const nonce = await nonces.issue(1_700_000_000)
 * await nonces.check(nonce, 1_700_000_030) // 'current'
 * ```
 */
export function createDpopNonces(options: DpopNonceOptions = {}): DpopNonces {
  const stepSeconds = options.stepSeconds ?? 60
  const acceptedSteps = options.acceptedSteps ?? 3
  if (!Number.isInteger(stepSeconds) || stepSeconds < 1) throw new RangeError('stepSeconds must be a positive integer')
  if (!Number.isInteger(acceptedSteps) || acceptedSteps < 1) throw new RangeError('acceptedSteps must be a positive integer')
  const secrets: readonly Uint8Array[] =
    options.secrets !== undefined && options.secrets.length > 0
      ? options.secrets.map((s) => utf8.encode(s))
      : [crypto.getRandomValues(new Uint8Array(32))]
  let keys: Promise<CryptoKey[]> | undefined
  const importKeys = (): Promise<CryptoKey[]> =>
    (keys ??= Promise.all(
      secrets.map((secret) => crypto.subtle.importKey('raw', secret as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])),
    ))
  const stepOf = (now: number): number => Math.floor(now / stepSeconds)

  return {
    async issue(now) {
      const step = String(stepOf(now))
      const [signing] = await importKeys()
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', signing!, utf8.encode(step)))
      return `${step}.${encodeBase64Url(mac)}`
    },
    async check(nonce, now) {
      if (typeof nonce !== 'string' || nonce.length > maxNonceLength) return 'invalid'
      const dot = nonce.indexOf('.')
      const stepText = nonce.slice(0, dot)
      if (dot < 1 || !/^[0-9]{1,15}$/.test(stepText)) return 'invalid'
      const step = Number(stepText)
      const current = stepOf(now)
      if (step > current || step <= current - acceptedSteps) return 'invalid'
      const mac = decodeBase64Url(nonce.slice(dot + 1))
      if (mac === undefined || mac.length !== 32) return 'invalid'
      for (const key of await importKeys()) {
        if (await crypto.subtle.verify('HMAC', key, mac as Uint8Array<ArrayBuffer>, utf8.encode(stepText))) {
          return step === current - acceptedSteps + 1 ? 'expiring' : 'current'
        }
      }
      return 'invalid'
    },
  }
}
