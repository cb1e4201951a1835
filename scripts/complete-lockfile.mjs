// Completes package-lock.json with the platform-specific optional packages npm could not record.
//
// Why: the registry this project's machines reach does not serve every platform build of some
// tools (e.g. rollup's @rollup/rollup-darwin-arm64), so `npm install` leaves them out of the lock,
// and `npm ci` then refuses the lock as out of sync. Each missing optional dependency is added with
// the os/cpu/libc its name encodes, so npm skips it on other platforms and, on a platform that
// needs it, resolves it by name and version like any other package.
//
// Run after changing dependencies: `npm install && node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs'

const oses = ['aix', 'android', 'darwin', 'freebsd', 'linux', 'netbsd', 'openbsd', 'openharmony', 'sunos', 'win32']
const cpus = ['arm', 'arm64', 'ia32', 'loong64', 'mips64el', 'ppc64', 'riscv64', 's390x', 'x64']
const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
const packages = lock.packages
let added = 0

for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location === '' ? '' : `${location}/`
    const key = `${base}node_modules/${name}`
    const hoisted = `node_modules/${name}`
    if (packages[key] !== undefined || packages[hoisted] !== undefined) continue
    const parts = name.replace(/^@[^/]+\//, '').split(/[-_]/)
    const os = parts.find((p) => oses.includes(p))
    const cpu = parts.find((p) => cpus.includes(p)) ?? (parts.includes('arm64ec') ? 'arm64' : undefined) ?? (parts.includes('armv7') ? 'arm' : undefined)
    if (os === undefined || cpu === undefined) {
      console.warn(`complete-lockfile: cannot tell the platform of ${name}; left out`)
      continue
    }
    const libc = parts.some((p) => p.startsWith('musl')) ? ['musl'] : os === 'linux' && parts.some((p) => p.startsWith('gnu')) ? ['glibc'] : undefined
    packages[hoisted] = { version, dev: entry.dev, optional: true, os: [os], cpu: [cpu], ...(libc ? { libc } : {}) }
    if (packages[hoisted].dev === undefined) delete packages[hoisted].dev
    added++
  }
}

const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))))
lock.packages = sorted
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`complete-lockfile: ${added} optional platform package(s) recorded`)
