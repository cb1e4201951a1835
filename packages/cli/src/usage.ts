/**
 * The CLI's help text and its usage error.
 *
 * @module
 */

/** The full help text. */
export const usage = `tokenward — verify OAuth 2.0 access tokens from your customers' authorization servers

Usage:
  tokenward verify --config <file> [--now <unix-seconds>] [--token <token>]
      Verify a token (or, without --token, one token per line from stdin) against an
      authorization server config file. Prints one JSON object per token.
      The file holds an authorization server config, or { "server": {...}, "organization": {...} }.
      With "introspection" in the config, opaque tokens are asked about at the AS (RFC 7662).
      Any clientSecret, privateKey or certificate may be { "env": "NAME" } or { "file": "path" }.
      Exit 0 if all valid, 1 if any invalid, 2 on a usage or config error.

  tokenward verify-request --config <file> [--now <unix-seconds>]
      Verify whole requests, one JSON object per stdin line:
      {"method":"GET","url":"https://api.example.test/orders","headers":{"authorization":"DPoP …","dpop":"…"},
       "clientCertificate":"-----BEGIN CERTIFICATE-----…"} (clientCertificate optional).
      Each line is answered as soon as it is read, with {"valid":true,…,"binding":…,"headers":{…}}
      or {"valid":false,"status":…,"error":…,"code":…,"description":…,"headers":{…}}.
      Checks DPoP proofs and certificate-bound tokens when the config has "dpop" or "mtls"; one
      replay store and nonce secret for the whole process. Exit codes as verify.

  tokenward jwks validate <url> [--no-certificate-validation] [--ca <pem-file>]...
                          [--as-tenant [--allow <cidr|host>]...]
      Fetch and check a JWKS endpoint; prints the report. Exit 0 if usable, 1 if not.
      Any address may be fetched (your own check). --as-tenant answers as the admin API's
      Validate answers a tenant: public https addresses only (plus --allow), a coarse report.

  tokenward discover <issuer> [--metadata-url <url>] [--ca <pem-file>]... [--trust-only]
                     [--no-certificate-validation] [--proxy <http-url>] [--mtls]
      Fetch the issuer's metadata (RFC 8414, then OpenID Connect) and print it with what
      tokenward would use (JWKS URL, introspection and token endpoints; --mtls: the
      mtls_endpoint_aliases). A document naming another issuer is not used. Exit 0 if found, 1 if not.

  tokenward inspect <jwt>
      Decode a token WITHOUT verifying it and explain what it contains.

  tokenward issuer serve --config <issuer.json> [--port 0] [--host 127.0.0.1]
      Run a local OAuth 2.0 issuer for API clients (client_credentials: client secrets and
      private_key_jwt). Prints one JSON line {"issuer","token_endpoint","jwks_uri"} on stdout
      once it listens, logs each token request as JSON on stderr, stops on SIGTERM.

  tokenward --help | --version
`

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  override get name(): string {
    return 'UsageError'
  }
}
