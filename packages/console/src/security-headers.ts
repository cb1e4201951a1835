/**
 * The headers every console answer carries: a strict Content-Security-Policy with Trusted Types
 * (the page's script builds its DOM with `textContent` and `createElement` only, so no policy is
 * needed at all), no framing, no sniffing, no referrer.
 *
 * @module
 */

/**
 * The console's Content-Security-Policy: only its own script, style and same-origin API calls;
 * no inline script or style, no plugins, no framing, and Trusted Types required with no policy
 * allowed (the page never writes HTML from strings).
 *
 * @example
 * ```ts
 * response.headers.get('content-security-policy') === consoleContentSecurityPolicy // true
 * ```
 */
export const consoleContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ')

/** The headers of every answer; `cache-control` is set per answer. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': consoleContentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}
