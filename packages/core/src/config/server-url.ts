/**
 * The shape every URL tokenward fetches from an authorization server must have (JWKS location,
 * introspection endpoint): absolute, https (plain http only on loopback), no credentials, no
 * fragment. Pure.
 *
 * @module
 */
import { isLoopbackHost } from './loopback.ts'

/** What is wrong with a server URL's text (already known to be a non-empty string), or `undefined`. */
export function serverUrlProblem(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https'
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return 'must use https (plain http only for loopback hosts)'
  if (url.username !== '' || url.password !== '') return 'must not contain credentials'
  if (url.hash !== '') return 'must not contain a fragment'
  return undefined
}
