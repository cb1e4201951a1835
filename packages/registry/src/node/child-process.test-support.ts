// Test support: child Node processes that import this package's TypeScript sources directly
// (Node strips the types), for the cross-process and crash tests. Not part of the package.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The `file:` URL of a source module of this package, relative to `src/node/`. */
export const sourceUrl = (relative: string): string => new URL(relative, import.meta.url).href

/** A fresh temp directory and its removal. */
export async function makeTempDir(prefix: string): Promise<{ readonly dir: string; readonly remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `tokenward-${prefix}-`))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/** Writes an ES module worker script and returns its path. */
export async function writeWorkerScript(dir: string, name: string, source: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, source)
  return path
}

export interface ChildExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
}

export interface RunningWorker {
  readonly child: ChildProcess
  /** Every complete stdout line so far. */
  readonly lines: readonly string[]
  /** Resolves with the first stdout line (past or future) matching `predicate`. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>
  /** Writes a line to the child's stdin. */
  send(line: string): void
  /** Closes the child's stdin (it sees end of input). */
  endInput(): void
  /** Resolves when the child has exited and been reaped (its PID no longer exists). */
  readonly exited: Promise<ChildExit>
}

/** Starts `node <script> ...args` with type stripping on and experimental warnings off. */
export function startWorker(script: string, args: readonly string[]): RunningWorker {
  const child = spawn(process.execPath, ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const waiters: { predicate: (line: string) => boolean; resolve: (line: string) => void }[] = []
  let buffered = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk
    let nl: number
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      lines.push(line)
      for (const w of waiters.filter((w) => w.predicate(line))) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(line)
      }
    }
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk
  })
  child.stdin.on('error', () => undefined)
  const exited = new Promise<ChildExit>((resolve) => {
    child.on('exit', (code, signal) => {
      // 'close' follows once stdout is drained; wait for it so every line is seen.
      child.on('close', () => resolve({ code, signal, stderr }))
    })
  })
  return {
    child,
    lines,
    waitForLine(predicate, timeoutMs = 15_000) {
      const seen = lines.find(predicate)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching line from the child within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs)
        const fail = () => {
          clearTimeout(timer)
          reject(new Error(`child exited before a matching line; stderr: ${stderr}`))
        }
        void exited.then(fail)
        waiters.push({
          predicate,
          resolve: (line) => {
            clearTimeout(timer)
            resolve(line)
          },
        })
      })
    },
    send(line) {
      child.stdin.write(`${line}\n`)
    },
    endInput() {
      child.stdin.end()
    },
    exited,
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
