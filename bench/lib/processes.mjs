// Child processes: every scenario, Express app, load generator and cold-start probe runs in its
// own Node process, optionally pinned to one core with `taskset`. Children talk back over IPC.
// Every child started here is tracked and killed (by its pid) when the parent exits.
import { spawn, spawnSync } from 'node:child_process'

/** Whether `taskset` can pin processes to a core on this machine. */
export const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0

const running = new Set()

/** Kills every child this process started that is still running. */
export function killChildren() {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  running.clear()
}
process.once('exit', killChildren)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killChildren()
    process.exit(130)
  })
}

/**
 * Starts `node <script> ...args` with an IPC channel, pinned to `cpu` when pinning is available.
 * The same Node binary as this process is used. stdout/stderr are inherited so progress shows.
 *
 * @param {string | URL} script
 * @param {string[]} args
 * @param {{ cpu?: number, nodeArgs?: string[], env?: Record<string, string>, quiet?: boolean }} options
 */
export function startNode(script, args = [], { cpu, nodeArgs = [], env = {}, quiet = false } = {}) {
  const path = script instanceof URL ? script.pathname : script
  const argv = [...nodeArgs, path, ...args]
  const pinned = cpu !== undefined && canPin
  const child = spawn(pinned ? 'taskset' : process.execPath, pinned ? ['-c', String(cpu), process.execPath, ...argv] : argv, {
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

/**
 * The first IPC message of `type` from `child`. Rejects when the child exits first or after
 * `timeoutMs` (then the child is killed).
 */
export function nextMessage(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      child.kill('SIGKILL')
      reject(new Error(`no "${type}" message from child ${child.pid} within ${timeoutMs} ms`))
    }, timeoutMs)
    const onMessage = (message) => {
      if (message?.type !== type) return
      cleanup()
      resolve(message)
    }
    const onExit = (code, signal) => {
      cleanup()
      reject(new Error(`child ${child.pid} exited (${signal ?? `code ${code}`}) before sending "${type}"`))
    }
    const cleanup = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/** Kills `child` and waits until it has exited. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** Runs a script to completion and returns its `result` message (the child exits by itself). */
export async function runNodeForResult(script, args, options, timeoutMs) {
  const child = startNode(script, args, options)
  try {
    return (await nextMessage(child, 'result', timeoutMs)).result
  } finally {
    await stopChild(child)
  }
}

/**
 * The body of a child script: runs `main`, sends its value to the parent as a `result` message,
 * kills the child's own children and exits (0, or 1 with the error printed when `main` throws).
 */
export async function runAsChild(main) {
  let code = 0
  try {
    const result = await main()
    if (process.send) await new Promise((resolve) => process.send({ type: 'result', result }, resolve))
    else console.log(JSON.stringify(result, null, 2))
  } catch (error) {
    console.error(error)
    code = 1
  }
  killChildren()
  process.exit(code)
}
