// Renders RESULTS.md (also printed to stdout): machine facts, targets, then one section per
// scenario with median, min and max over rounds and the ratios against same-run baselines.

const int = (n) => Math.round(n).toLocaleString('en-US')
const ms = (n) => (n < 10 ? n.toFixed(1) : n.toFixed(0))
const x = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a')
const ratio = (s) => `${x(s.median)} (${x(s.min)}–${x(s.max)})`
const spread = (s, f = int) => [f(s.median), f(s.min), f(s.max)]
const range = ({ median, min, max }) => `${x(median)} (${x(min)}–${x(max)})`
const pct = (n) => `${Math.round(n * 100)}%`
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1)

/** A Markdown table; columns whose header starts with '>' are right-aligned. */
function table(headers, rows) {
  const right = headers.map((h) => h.startsWith('>'))
  const names = headers.map((h) => h.replace(/^>/, ''))
  return [
    `| ${names.join(' | ')} |`,
    `| ${right.map((r) => (r ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n')
}

function header(facts, mode, durationSeconds) {
  const changed = facts.packagesChanged ? ` (+ ${facts.packagesChanged} uncommitted change(s) under packages/)` : ''
  return [
    `# Benchmark results`,
    '',
    `Written by \`npm run bench\`${mode === 'quick' ? ' -- --quick (smoke run: numbers are not meaningful)' : ''}. Every ratio compares two things measured in the same run (per round, interleaved); absolute numbers are context only.`,
    '',
    table(
      ['Fact', 'Value'],
      [
        ['Date', facts.date],
        ['Node', facts.node],
        ['CPU', `${facts.cpu}, ${facts.cores} cores`],
        ['Pinning', facts.pinning],
        ['Load average at start (1/5/15 min)', facts.loadAverage.join(' / ')],
        ['Code', `commit ${facts.commit}${changed}`],
        ['Suite duration', `${int(durationSeconds)} s`],
      ],
    ),
  ].join('\n')
}

function targetsSection(targets) {
  const verdict = (t) => (t.met === undefined ? 'not measured' : t.met ? '**met**' : `**missed**: ${t.shortfall}`)
  const met = targets.filter((t) => t.met === true).length
  const explained = targets.filter((t) => t.met === false && t.why !== undefined)
  return [
    `## Targets: ${met} of ${targets.length} met`,
    '',
    table(['Target', 'Goal', 'Measured (median, min–max over rounds)', 'Verdict'], targets.map((t) => [t.name, t.goal, t.measured, verdict(t)])),
    ...(explained.length === 0 ? [] : ['', '### Why the missed targets are missed', '', ...explained.map((t) => `- **${t.name}.** ${t.why}`)]),
  ].join('\n')
}

function microSection(micro) {
  const parts = [
    '## Micro: verifications per second on one core',
    '',
    `One process pinned to one core; ${micro.settings.rounds} rounds of ${micro.settings.roundMs} ms, every case interleaved in each round (order reversed every other round). Async verifiers are awaited one call at a time. The hand-written verifier (split, Buffer base64url, JSON.parse, crypto.verify with a pre-imported KeyObject, exp/iss/aud) is the physical limit; ratios are against it, per round.`,
  ]
  for (const [alg, { tokenBytes, rows }] of Object.entries(micro.algorithms)) {
    parts.push('', `### ${alg} (token ${tokenBytes} bytes)`, '')
    parts.push(table(['Verifier', '>ops/s median', '>min', '>max', '>× hand-written (median, min–max)'], rows.map((r) => [r.name, ...spread(r.opsPerSecond), ratio(r.vsBaseline)])))
  }
  const hit = micro.cacheHitVsRs256CryptoVerify
  parts.push(
    '',
    `tokenward cache hit vs one RS256 \`crypto.verify\`: same token ${ratio(hit.sameToken)}, 1,000 distinct tokens ${ratio(hit.distinct)}${hit.introspection === undefined ? '' : `, introspection answer of an opaque token ${ratio(hit.introspection)}`}.`,
    ...(micro.cacheOnVsOffEveryTokenNew === undefined
      ? []
      : ['', `Every token new (EdDSA, no token ever repeats): the default cache against \`cache: false\`, per round, ${ratio(micro.cacheOnVsOffEveryTokenNew)}; verifications the cache kept from that stream: ${micro.cacheEntriesKeptEveryTokenNew}.`]),
    '',
    'Cache cases: "same token" and "1000 distinct" share one verifier whose cache holds all 1,001 tokens (a server\'s cache is rarely empty); "same token, only entry" uses a verifier whose cache holds just that token. fast-jwt gets one cached verifier per case because its cache holds exactly 1,000 tokens.',
  )
  return parts.join('\n')
}

const appLabels = { 'tokenward-nocache': 'tokenward, cache off (context)' }

function httpSection(http) {
  const { rounds, durationSeconds, connections } = http.settings
  const parts = [
    '## HTTP: Express 5, one core for the app, one for the load generator',
    '',
    `autocannon, ${connections} connections over 127.0.0.1, ${rounds} round(s) of ${durationSeconds} s per app and mix after a warm-up, apps and mixes interleaved per round, each target's pair of apps back to back (tokenward beside no-auth and beside hand-written; order reversed every other round). "Server CPU" is the app's CPU time over the run: below ~95% means the app core was not saturated (load generator limit, or another process on the machine). "GC pause" is the app's main-thread garbage-collection pause time per request; "other threads" is the CPU time per request of the app's threads other than the main one, mostly V8's concurrent garbage collection and compilers (and for express-oauth2-jwt-bearer, WebCrypto's signature checks on libuv's thread pool), which run on the same pinned core and so take time from the requests. In the distinct mix, "tokenward, cache off" is context, not a target: the same middleware with the verified-token cache off, which shows what the cache costs when it can never hit. express-oauth2-jwt-bearer fetched its JWKS from a local server (${http.jwksFetches} fetch in total); tokenward used inline keys. ${int(http.settings.distinctPool)} distinct tokens were minted for the distinct mix in ${http.mintSeconds.toFixed(1)} s.`,
  ]
  const titles = {
    repeated: `Repeated tokens (${http.mixes.repeated.poolSize} distinct tokens in rotation)`,
    distinct: `Every token distinct (pool of ${int(http.mixes.distinct.poolSize)}, strict rotation; "max sends" 1 means no app ever saw a token twice)`,
  }
  for (const [mix, { rows }] of Object.entries(http.mixes)) {
    parts.push('', `### ${titles[mix]}`, '')
    parts.push(
      table(
        ['App', '>req/s median', '>min', '>max', '>p99 ms (median)', '>× no-auth', '>× hand-written', '>server CPU', '>load CPU', '>GC pause µs/request', '>other threads µs/request', ...(mix === 'distinct' ? ['>max sends per token'] : [])],
        rows.map((r) => [
          appLabels[r.variant] ?? r.variant,
          ...spread(r.requestsPerSecond),
          ms(r.latencyP99Ms.median),
          ratio(r.vsNoAuth),
          ratio(r.vsHandWritten),
          pct(r.serverCpuShare.median),
          pct(r.loadCpuShare.median),
          r.gcPauseMicrosPerRequest === undefined ? '—' : r.gcPauseMicrosPerRequest.median.toFixed(1),
          r.otherThreadsMicrosPerRequest === undefined ? '—' : r.otherThreadsMicrosPerRequest.median.toFixed(1),
          ...(mix === 'distinct' ? [r.variant === 'no-auth' ? `${r.maxSendsPerToken} (ignores tokens)` : String(r.maxSendsPerToken)] : []),
        ]),
      ),
    )
  }
  return parts.join('\n')
}

function herdSection(herd) {
  const { concurrency, jwksLatencyMs, settleTimeoutMs, rotationDelayMs } = herd.settings
  const cases = {
    cold: '(a) Cold cache: concurrent valid tokens, nothing fetched yet',
    rotation: `(b) Key rotation ~${(rotationDelayMs / 1000).toFixed(1)} s after the last fetch: concurrent tokens signed with the new kid`,
    forged: '(c) Forged tokens, each with a distinct unknown kid',
  }
  const parts = [
    '## JWKS herd',
    '',
    `${concurrency} verifications started at once against a fresh verifier per library and case; each library has its own local JWKS server answering after ${jwksLatencyMs} ms. A verification not settled within ${settleTimeoutMs / 1000} s counts as hung. Fetches are counted at the server (after the warm-up fetch for (b) and (c)). Every library runs with its default cache and cooldown settings; aws-jwt-verify's built-in fetcher speaks only https, so a \`fetch\`-based fetcher is plugged in through \`SimpleJwksCache({ fetcher })\` (its caching, single flight and penalty box are unchanged). express-oauth2-jwt-bearer's \`auth()\` middleware is called with a minimal request object.`,
  ]
  for (const [c, title] of Object.entries(cases)) {
    parts.push('', `### ${title}`, '')
    parts.push(
      table(
        ['Library', '>JWKS fetches', '>accepted', '>refused', '>hung', '>slowest ms', 'refusal reasons'],
        Object.entries(herd.libraries).map(([library, r]) => [
          library,
          String(r[c].fetches),
          String(r[c].accepted),
          String(r[c].refused),
          String(r[c].hung),
          ms(r[c].slowestMs),
          Object.entries(r[c].reasons).map(([reason, n]) => `${reason} ×${n}`).join(', ') || '—',
        ]),
      ),
    )
  }
  const flood = Object.entries(herd.libraries).filter(([, r]) => r.floodThenRotation !== undefined)
  if (flood.length > 0) {
    const f = herd.settings.flood
    parts.push(
      '',
      `### (d) Flood, then rotation: ${f.burst} forged tokens (distinct unknown kids) every ${f.tickMs} ms for ${(f.durationMs / 1000).toFixed(1)} s; the provider rotates ${(f.rotateAfterMs / 1000).toFixed(1)} s in`,
      '',
      'Each library has its own JWKS server, which sends an ETag and answers 304 to a matching If-None-Match; all four flood at the same time. A token signed with the new key is tried once per tick until accepted. Fetches count 304s too; "refused before" is how often the new key\'s token was refused, and how long the slowest refusal took (a library that held it until its cooldown ended would show it here).',
      '',
      table(
        ['Library', '>JWKS fetches', '>of which 304', '>new key accepted after', '>refused before', '>slowest refusal ms', '>forged accepted', '>hung'],
        flood.map(([library, { floodThenRotation: r }]) => [
          library,
          String(r.fetches),
          String(r.notModified),
          r.acceptedAfterSeconds === undefined ? `not within ${r.floodSeconds.toFixed(1)} s` : `${r.acceptedAfterSeconds.toFixed(2)} s`,
          String(r.rotatedRefusals.count),
          ms(r.rotatedRefusals.slowestMs),
          String(r.forgedAccepted),
          String(r.hung),
        ]),
      ),
    )
  }
  return parts.join('\n')
}

function coldStartSection(coldStart) {
  const labels = {
    inline: 'inline JWK',
    remote: 'remote JWKS (local server)',
    'inline-bundled': 'inline JWK, bundled',
    'remote-bundled': 'remote JWKS (local server), bundled',
    'inline-split': 'inline JWK, bundled with splitting',
    'remote-split': 'remote JWKS (local server), bundled with splitting',
  }
  const rows = Object.entries(coldStart.timings).flatMap(([mode, libraries]) =>
    libraries.map((r) => [r.library, labels[mode], ...spread(r.importMs, ms), ...spread(r.firstVerificationMs, ms)]),
  )
  return [
    '## Cold start',
    '',
    `${coldStart.settings.rounds} fresh process(es) per library and key source, pinned to one core, interleaved. Import = \`await import(library)\`; first verification = from before the import to the first accepted token (import, verifier construction, key import or JWKS fetch, one verification). "Bundled": the same probe, with the library's imports pre-bundled into one file by esbuild (\`bundle\`, \`minify\`, \`platform: node\`, \`format: esm\`), as Lambda handlers are usually deployed; module loading then reads one file instead of a package tree. "Bundled with splitting": the same with esbuild's \`splitting: true\`, where a module the library imports dynamically (tokenward's JWKS runtime) stays in its own file and is read only when used.`,
    '',
    table(['Library', 'Keys', '>import ms median', '>min', '>max', '>first verification ms median', '>min', '>max'], rows),
    '',
    'Minimal Lambda handler (one bearer-protected proxy handler), bundled with esbuild (`bundle`, `minify`, `platform: node`, `format: esm`):',
    '',
    table(
      ['Handler', '>minified bytes', '>gzip bytes', '>input files'],
      Object.entries(coldStart.bundles).map(([library, b]) => [library === 'tokenward' ? 'tokenward (@tokenward/core + @tokenward/lambda withTokenward)' : library, int(b.bytes), int(b.gzipBytes), String(b.inputFiles)]),
    ),
  ].join('\n')
}

function memorySection(memory) {
  return [
    '## Memory',
    '',
    `One tokenward verifier (inline ${memory.algorithm} key, ${memory.tokenBytes}-byte tokens, default cache \`{ maxEntries: ${int(memory.maxEntries)} }\`), heap used after full GCs (\`--expose-gc\`). Baseline after the first verification: ${mib(memory.baselineBytes)} MiB; about ${int(memory.bytesPerCachedToken)} bytes of heap per cached verification. Valid tokens are minted on a worker thread (not this heap); ${memory.revisitEvery === 1 ? 'every one' : `every ${int(memory.revisitEvery)}th`} is verified twice, because the cache takes a token only on its second verification: so once full, the cache keeps taking tokens and evicting others all through the run. Forged ones alternate between the real kid with a random signature and a random unknown kid. RSS is context only (it includes the minting worker).`,
    '',
    table(
      ['Phase', '>tokens so far', '>heap MiB', '>above baseline MiB', '>cached verifications', '>RSS MiB', '>seconds in phase'],
      memory.points.map((p) => [p.phase, int(p.tokens), mib(p.heapBytes), mib(p.heapBytes - memory.baselineBytes), int(p.cachedTokens), mib(p.rssBytes), p.seconds.toFixed(1)]),
    ),
  ].join('\n')
}

function sizeSection(size) {
  const kib = (bytes) => (bytes / 1024).toFixed(1)
  const install = (name) => size.installs.find((i) => i.name === name)
  const [jose, aws] = [install('jose'), install('aws-jwt-verify')]
  const versus = (value, base) => x(value / base)
  const bundleOf = (library) => size.bundles[library]
  return [
    '## Size',
    '',
    `What a user downloads, installs and deploys. Tarballs: \`npm pack\` of the built workspaces and of jose's and aws-jwt-verify's installed copies. Installs: those tarballs installed into empty projects with \`npm install --offline\` (peers such as Express are the application's and not counted), every file under \`node_modules\`. The \`effect\` package, needed only by the Effect door (\`@tokenward/core/effect\`, an optional peer), would add ${mib(size.effectPeerBytes)} MiB. Ratios are against jose and aws-jwt-verify in the same run.`,
    '',
    table(
      ['Install', 'packages', '>tarballs KiB', '>node_modules KiB', '>files', '>× jose', '>× aws-jwt-verify', 'effect installed'],
      size.installs.map((i) => [i.name, i.packages.join(', '), kib(i.tarballBytes), kib(i.bytes), int(i.files), versus(i.bytes, jose.bytes), versus(i.bytes, aws.bytes), i.effectInstalled ? '**yes**' : 'no']),
    ),
    '',
    'Minimal Lambda handler (the cold-start scenario\'s handlers), bundled from those installs with esbuild (`bundle`, `minify`, `platform: node`, `format: esm`):',
    '',
    table(
      ['Handler', '>minified KiB', '>gzip KiB', '>input files', '>minified × jose', '>gzip × jose', '>minified × aws-jwt-verify', '>gzip × aws-jwt-verify'],
      Object.entries(size.bundles).map(([library, b]) => [
        library === 'tokenward' ? 'tokenward (@tokenward/core + @tokenward/lambda withTokenward)' : library,
        kib(b.bytes),
        kib(b.gzipBytes),
        String(b.inputFiles),
        versus(b.bytes, bundleOf('jose').bytes),
        versus(b.gzipBytes, bundleOf('jose').gzipBytes),
        versus(b.bytes, bundleOf('aws-jwt-verify').bytes),
        versus(b.gzipBytes, bundleOf('aws-jwt-verify').gzipBytes),
      ]),
    ),
  ].join('\n')
}

function issuerSection(issuer) {
  const rps = (summary) => `${int(summary.median)} (${int(summary.min)}–${int(summary.max)})`
  const rows = Object.entries(issuer.methods).map(([method, m]) => [
    method,
    rps(m.tokenward),
    rps(m.oidcProvider),
    range(m.vsOidcProvider),
    `${int(m.cpuMicrosPerRequest.tokenward.median)} / ${int(m.cpuMicrosPerRequest.oidcProvider.median)}`,
    range(m.vsOidcProviderPerCpu),
  ])
  const cacheOff = issuer.methods.client_secret_basic.tokenwardSecretCacheOff
  return [
    '## Issuer token endpoint',
    '',
    `@tokenward/issuer (behind node:http through \`createIssuerNodeHandler\`, no Web \`Request\`/\`Response\`) beside oidc-provider's client_credentials grant with JWT access tokens, each server in its own process on core 1, ${issuer.settings.concurrency} requests in flight from core 0, ${issuer.settings.rounds} round(s) of ${issuer.settings.seconds} s per case, interleaved. Every answer is a 200 with a fresh token; private_key_jwt sends a new ES256 assertion (new \`jti\`) each time. "Per CPU" divides oidc-provider's server CPU time per request by tokenward's: the throughput ratio a dedicated core would show, steadier than requests per second on a shared machine.`,
    '',
    table(['Client authentication', '>tokenward req/s', '>oidc-provider req/s', '>× oidc-provider', '>server CPU µs/request (tokenward / oidc-provider)', '>× per CPU'], rows),
    '',
    `The Node handler against tokenward's Web handler behind a node:http → \`Request\` bridge (same run, per server CPU): private_key_jwt ${range(issuer.methods.private_key_jwt.nodeVsWebHandlerPerCpu)}, client_secret_basic ${range(issuer.methods.client_secret_basic.nodeVsWebHandlerPerCpu)}.`,
    '',
    ...(issuer.methods.private_key_jwt.floorVsOidcProviderPerCpu === undefined
      ? []
      : [
          `The floor, node:http alone answering a fixed token-sized 200 JSON in the same rounds: ${Object.entries(issuer.methods).map(([method, m]) => `${method} ${int(m.cpuMicrosPerRequest.nodeHttpFloor.median)} µs of server CPU per request, so no server behind node:http could exceed ${range(m.floorVsOidcProviderPerCpu)} oidc-provider per CPU; above the floor, oidc-provider costs ${range(m.aboveFloorVsOidcProvider)} what tokenward does`).join('; ')}.`,
          '',
        ]),
    `Client secrets are stored only as slow hashes. With the verified-secret cache off, every request pays one check: ${int(cacheOff.median)} req/s${issuer.methods.client_secret_basic.cpuMicrosPerRequestSecretCacheOff === undefined ? '' : `, ${ms(issuer.methods.client_secret_basic.cpuMicrosPerRequestSecretCacheOff.median / 1000)} ms of server CPU per request instead of ${int(issuer.methods.client_secret_basic.cpuMicrosPerRequest.tokenward.median)} µs with it`}. One check with each default hasher:`,
    '',
    table(['Hasher', 'parameters', '>verify ms median'], Object.entries(issuer.hashing).map(([name, h]) => [name, Object.entries(h.params).filter(([k, v]) => k !== 'algorithm' && v !== undefined).map(([k, v]) => `${k}=${v}`).join(', '), ms(h.verifyMs.median)])),
  ].join('\n')
}

function dpopSection(dpop) {
  const rows = Object.entries(dpop.requestsPerCpuSecond).map(([name, summary]) => [
    name,
    ...spread(summary),
    name === 'hand-written' ? '1.00×' : range(name === 'tokenward' ? dpop.tokenwardVsHandWritten : dpop.auth0VsHandWritten),
  ])
  return [
    '## DPoP request, cached access token',
    '',
    `One DPoP request (RFC 9449) with a fresh ES256 proof for the same key and access token, on one pinned core, in one process: tokenward's \`verifyRequest\` with the token in its verified-token cache; auth0's express-oauth2-jwt-bearer \`auth({ dpop: { enabled: true } })\` (no token cache: it verifies the access token on every request${dpop.auth0AcceptsReplay ? '; it keeps no jti, and accepted a replayed proof in this run' : ''}); and a hand-written minimal check with node:crypto (a Map of verified tokens, the proof's signature, ath and thumbprint hashes, a jti set). ${dpop.settings.rounds} round(s) of ${int(dpop.settings.perRound)} requests per case, interleaved; requests per CPU second of the process. tokenward is ${range(dpop.tokenwardVsAuth0)} express-oauth2-jwt-bearer.`,
    '',
    table(['Check', '>req per CPU s median', '>min', '>max', '>× hand-written'], rows),
  ].join('\n')
}

function failuresSection(failures) {
  if (failures.length === 0) return undefined
  return ['## Scenarios that failed', '', ...failures.map((f) => `- **${f.name}**: ${f.error}`)].join('\n')
}

/** The whole report as Markdown. */
function registrySection(registry) {
  const { rounds, durationSeconds, connections } = registry.settings
  const parts = [
    '## Registry: the per-organization path against the single-verifier path',
    '',
    `Express 5 and autocannon as in the HTTP scenario (${connections} connections, ${rounds} round(s) of ${durationSeconds} s per app and mix, order reversed every other round). "single" is one core verifier for the organization's server, configured in code; "registry" is \`createRegistryVerifier\` with the organization in a file store and every allowed call audited to a fsynced JSON-lines log (${int(registry.audit.lines)} lines in ${int(registry.audit.batches)} group commits over the whole run); "registry-fsync-100ms" is context: the same with the log flushed to disk every 100 ms instead of before each answer (\`fsync: { everyMs: 100 }\`). "× single, by CPU per request" is the single path's CPU time per request over this path's: it compares the code even when the app core is not saturated. Both fetch keys from the same local JWKS server (${registry.jwksFetches} fetches in total).`,
  ]
  for (const [mix, { rows }] of Object.entries(registry.mixes)) {
    parts.push('', `### ${mix === 'repeated' ? 'Repeated tokens' : 'Every token distinct'}`, '')
    parts.push(
      table(
        ['Path', '>req/s median', '>min', '>max', '>p99 ms (median)', '>× single', '>server CPU', '>CPU µs/request', '>× single, by CPU per request'],
        rows.map((r) => [
          r.variant,
          ...spread(r.requestsPerSecond),
          ms(r.latencyP99Ms.median),
          ratio(r.vsSingle),
          pct(r.serverCpuShare.median),
          r.cpuMicrosPerRequest.median.toFixed(1),
          ratio(r.cpuVsSingle),
        ]),
      ),
    )
  }
  return parts.join('\n')
}

function fleetSection(fleet) {
  if (fleet.skipped !== undefined) return `## Fleet (Redis)\n\nSkipped: ${fleet.skipped}.`
  const { rounds, perRound, tokens, processes = 1 } = fleet.settings
  const span = (s) => `${x(s.median)} (${x(s.min)}–${x(s.max)})`
  const lines = [
    '## Fleet (Redis)',
    '',
    `The three bearer paths in ${processes === 1 ? 'one process' : `${processes} fresh processes one after the other, their rounds pooled (the JIT's choices differ from one process to the next)`}, the context rows (counter + audit, DPoP) in one more process with their own baselines${fleet.pinned ? ', each pinned to core 1 (redis-server on core 0)' : ''}, one request at a time, ${rounds} interleaved rounds per process (order reversed every other round; a full GC and a 5 ms pause before each measurement). Figures are CPU time of the measuring process per request (user + system, every thread), which other processes' load does not inflate and waiting on Redis does not count; requests per wall-clock second are context. Bearer variants: ${perRound.bearer.toLocaleString('en-US')} requests per round over ${tokens} repeated tokens (all cached after warm-up); "fleet-counted" ${perRound.counted.toLocaleString('en-US')}; DPoP variants ${perRound.dpop} requests, each with a fresh ES256 proof and one cached bound token.`,
    '',
    '"single-verifier": core\'s createVerifier for the same server; "single-process": the registry verifier over an in-memory store; "fleet": the registry verifier over the Redis store, organizations in memory kept fresh by the change feed (recheck 30 s); "fleet-counted" (context): plus the Redis API-call counter and audit stream, awaited on every allowed call; "dpop-in-memory" / "dpop-fleet" (context): the registry verifier with its default in-memory replay store / `createRedisReplayStore`.',
    '',
    '| variant | CPU µs per request (median, range) | × baseline (CPU) | baseline | × single verifier (CPU) | × baseline (wall clock, context) |',
    '| --- | --- | --- | --- | --- | --- |',
  ]
  for (const row of fleet.rows) {
    const c = row.cpuMicrosPerRequest
    lines.push(
      `| ${row.variant} | ${c.median.toFixed(2)} (${c.min.toFixed(2)}–${c.max.toFixed(2)}) | ${span(row.vsBaseline)} | ${row.baseline} | ${row.vsSingleVerifier === undefined ? '–' : span(row.vsSingleVerifier)} | ${span(row.wallVsBaseline)} |`,
    )
  }
  lines.push('', '| kind of request | Redis round trips per request |', '| --- | --- |')
  for (const [kind, count] of Object.entries(fleet.roundTripsPerRequest)) lines.push(`| ${kind} | ${count} |`)
  return lines.join('\n')
}

export function renderReport({ facts, mode, durationSeconds, targets, results, failures }) {
  const sections = [
    header(facts, mode, durationSeconds),
    targetsSection(targets),
    failuresSection(failures),
    results.micro && microSection(results.micro),
    results.http && httpSection(results.http),
    results.registry && registrySection(results.registry),
    results.fleet && fleetSection(results.fleet),
    results.herd && herdSection(results.herd),
    results.coldStart && coldStartSection(results.coldStart),
    results.memory && memorySection(results.memory),
    results.size && sizeSection(results.size),
    results.issuer && issuerSection(results.issuer),
    results.dpop && dpopSection(results.dpop),
  ]
  return `${sections.filter(Boolean).join('\n\n')}\n`
}
