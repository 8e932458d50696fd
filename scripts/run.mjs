#!/usr/bin/env node
// One entry point for a fresh machine (Node 20+ and npm only): make sure the pinned pnpm is present,
// install the workspace, then run the task. `npm run dev`, `npm test` and `npm run bench` call this.
import { spawnSync, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const PNPM_VERSION = '12.4.2'
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const task = process.argv[2]
const tasks = {
  // The local server (wrangler dev, state persisted under .dev-state/) on http://127.0.0.1:8787.
  dev: [['pnpm', '--filter', '@amber/worker', 'run', 'dev']],
  // Every check CI runs: types, lint, all test tiers, and the production bundle build.
  test: [
    ['pnpm', 'exec', 'turbo', 'run', 'typecheck', 'lint', '--concurrency=2', '--output-logs=errors-only'],
    ['pnpm', 'exec', 'turbo', 'run', 'test', '--concurrency=1', '--output-logs=full'],
    // Every package's build: the libraries' published dist/ (types included) and the Worker's production bundle.
    ['pnpm', '-r', '--workspace-concurrency=1', 'run', 'build'],
  ],
  bench: [['pnpm', '--filter', '@amber/bench', 'run', 'bench']],
}
if (!tasks[task]) {
  console.error(`usage: node scripts/run.mjs <${Object.keys(tasks).join('|')}>`)
  process.exit(2)
}

// Vitest's per-run "Tests  N passed | M failed" lines, summed into one closing line for CI.
const totals = { passed: 0, failed: 0, skipped: 0 }

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' }
// better-sqlite3 builds from source here (no prebuilt download); pnpm ignores npm's nodedir, so pass Node's prefix.
env.npm_config_nodedir ??= path.dirname(path.dirname(process.execPath))

function pnpmVersion(pathEnv) {
  try {
    return execFileSync('pnpm', ['--version'], { env: { ...env, PATH: pathEnv }, encoding: 'utf8' }).trim()
  } catch {
    return undefined // not installed: handled by the caller
  }
}

const toolsBin = path.join(root, '.tools', 'node_modules', '.bin')
env.PATH = `${toolsBin}${path.delimiter}${env.PATH}`
if (pnpmVersion(env.PATH) !== PNPM_VERSION) {
  console.log(`[amber] installing pnpm ${PNPM_VERSION} into .tools/`)
  run(['npm', 'install', '--prefix', path.join(root, '.tools'), '--no-save', '--no-audit', '--no-fund', `pnpm@${PNPM_VERSION}`])
}

const frozen = existsSync(path.join(root, 'pnpm-lock.yaml')) && process.env.CI ? ['--frozen-lockfile'] : []
run(['pnpm', 'install', ...frozen])
if (task === 'dev') prepareDevSecrets()
if (task === 'test') ensureChromium()
for (const cmd of tasks[task]) run(cmd)
summarize()

// The client's browser tests drive the system Chromium (Debian's package, by name: no browser download).
function ensureChromium() {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (existsSync(chromium)) return
  if (process.getuid?.() !== 0 || process.env.CHROMIUM_PATH || !existsSync('/usr/bin/apt-get')) {
    console.log(
      `[amber] Chromium is missing at ${chromium}: the browser tests will fail.\n` +
        '[amber] Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) or point CHROMIUM_PATH at a Chromium binary.',
    )
    return
  }
  console.log('[amber] installing Chromium for the browser tests (apt-get install chromium)')
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const result = spawnSync('apt-get', args, { env: aptEnv, stdio: ['ignore', 'inherit', 'inherit'] })
    if (result.status !== 0) {
      console.error(`[amber] apt-get ${args.join(' ')} failed (exit ${result.status}); the browser tests need ${chromium}`)
      process.exit(result.status ?? 1)
    }
  }
}

/**
 * The local server's admin secret: AMBER_ADMIN_TOKEN from the environment when set, else the one kept in
 * .dev-state/admin-token (created once). wrangler dev reads it from .dev-state/dev.vars; both are ignored by git.
 */
function prepareDevSecrets() {
  const stateDir = path.join(root, '.dev-state')
  const tokenFile = path.join(stateDir, 'admin-token')
  mkdirSync(stateDir, { recursive: true })
  let token = process.env.AMBER_ADMIN_TOKEN
  if (token) {
    console.log('[amber] admin token: AMBER_ADMIN_TOKEN from the environment')
  } else {
    if (!existsSync(tokenFile)) writeFileSync(tokenFile, `amber_admin_${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 })
    token = readFileSync(tokenFile, 'utf8').trim()
    console.log(`[amber] admin token: in ${path.relative(root, tokenFile)} (set AMBER_ADMIN_TOKEN to use your own)`)
  }
  writeFileSync(path.join(stateDir, 'dev.vars'), `AMBER_ADMIN_TOKEN=${token}\n`, { mode: 0o600 })
}

function run([cmd, ...args]) {
  console.log(`[amber] ${cmd} ${args.join(' ')}`)
  // Only the test task reads its output back; dev and bench stream straight to the terminal.
  const capture = task === 'test'
  const result = spawnSync(cmd, args, { cwd: root, env, stdio: ['inherit', capture ? 'pipe' : 'inherit', 'inherit'], maxBuffer: 1 << 30 })
  const output = result.stdout?.toString() ?? ''
  process.stdout.write(output)
  for (const rawLine of output.split('\n')) {
    const line = rawLine.replace(/\x1b\[[0-9;]*m/g, '')
    if (!/\bTests\s/.test(line)) continue
    for (const kind of Object.keys(totals)) {
      const match = new RegExp(`(\\d+) ${kind}`).exec(line)
      if (match) totals[kind] += Number(match[1])
    }
  }
  if (result.status !== 0) {
    summarize()
    process.exit(result.status ?? 1)
  }
}

function summarize() {
  if (task !== 'test') return
  const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''
  console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`)
}
