// One cold start, in a fresh process: import a library, build a verifier, verify one token.
// Imports nothing else before the library, so the timings are the library's own.
//
// Usage: node probe.mjs <library> <inline|remote> [bundle.mjs]   (BENCH_PROBE: { token, jwk, jwksUrl, issuer, audience })
// With a bundle (the library's imports pre-bundled into one file by esbuild, as Lambda handlers
// usually ship), the library is loaded from it instead of from node_modules.
// Sends { type: 'result', result: { importMs, firstVerificationMs } }, both measured from just
// before the library's import.
const [library, mode, bundle] = process.argv.slice(2)
/** The library's module: from its bundle when one is given, else by name. */
const load = (specifier) => (bundle === undefined ? import(specifier) : import(bundle))
const { token, jwk, jwksUrl, issuer, audience } = JSON.parse(process.env.BENCH_PROBE)

/** Per library: import it, then return a `verify` built for `mode`. */
const probes = {
  async tokenward() {
    const { createVerifier } = await load('@tokenward/core')
    return () => {
      const keys = mode === 'inline' ? { jwks: { keys: [jwk] } } : { jwksUrl }
      const verifier = createVerifier({ server: { name: 'Bench', ...keys, issuer, audience } })
      return (t) => verifier.verify(t)
    }
  },
  async jose() {
    const { createRemoteJWKSet, importJWK, jwtVerify } = await load('jose')
    return async () => {
      const key = mode === 'inline' ? await importJWK(jwk, jwk.alg) : createRemoteJWKSet(new URL(jwksUrl))
      return (t) => jwtVerify(t, key, { issuer, audience })
    }
  },
  async 'aws-jwt-verify'() {
    const { JwtVerifier, SimpleJwksCache } = bundle === undefined ? { ...(await import('aws-jwt-verify')), ...(mode === 'remote' ? await import('aws-jwt-verify/jwk') : {}) } : await import(bundle)
    return () => {
      // Its built-in fetcher speaks only https; a fetch-based one stands in for the loopback JWKS.
      const fetcher = { fetch: async (uri) => (await fetch(uri)).arrayBuffer() }
      const jwksCache = mode === 'remote' ? { jwksCache: new SimpleJwksCache({ fetcher }) } : undefined
      const verifier = JwtVerifier.create({ issuer, audience, jwksUri: jwksUrl }, jwksCache)
      if (mode === 'inline') verifier.cacheJwks({ keys: [jwk] })
      return (t) => verifier.verify(t)
    }
  },
}

// Exit if the scenario that started this probe goes away.
process.on('disconnect', () => process.exit(1))

const started = performance.now()
const build = await probes[library]()
const imported = performance.now()
const verify = await build()
await verify(token)
const verified = performance.now()
process.send({ type: 'result', result: { processStartToImportMs: started, importMs: imported - started, firstVerificationMs: verified - started } }, () => process.exit(0))
