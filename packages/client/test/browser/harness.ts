// A small harness for tests that run SDK code in real headless Chromium: bundle a page entry with
// esbuild (so it imports the real src modules), serve it from 127.0.0.1, and drive the system Chromium
// (/usr/bin/chromium, installed by scripts/run.mjs) with playwright-core.
//
//   const session = await launchBrowser()
//   const server = await servePage(await bundle(new URL('./my.page.ts', import.meta.url)))
//   const page = await session.newPage()
//   await page.goto(server.url)
//   ...; await session.close(); await server.close()
//
// Browsers get a persistent profile on disk: IndexedDB in a throwaway (incognito) context lives in
// memory, which would hide every durability bug. Keep the server up across a reload or a relaunch:
// the origin (and so the page's IndexedDB) includes its port.

import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'

/** The Chromium binary; override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']

export interface BrowserSession {
  readonly context: BrowserContext
  /** The profile directory; pass it to another `launchBrowser` to reopen the same storage. */
  readonly userDataDir: string
  /** Opens a page whose uncaught errors and console errors are printed to stderr. */
  newPage(): Promise<Page>
  /** Kills the browser's main process with SIGKILL, as a crash would: nothing gets to flush or close. */
  kill(): Promise<void>
  /** Closes the browser; removes the profile directory unless it was passed in. */
  close(): Promise<void>
}

/** Throws a clear message when Chromium is missing, instead of a playwright stack. */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return
  throw new Error(
    `Chromium not found at ${CHROMIUM_PATH}. Browser tests need it: run \`npm test\` from the repository root ` +
      '(it installs Debian\'s chromium when run as root), or `apt-get install -y chromium`, or set CHROMIUM_PATH.',
  )
}

/** Launches headless Chromium with a persistent profile (a fresh temporary one unless `userDataDir` is given). */
export async function launchBrowser(options: { userDataDir?: string } = {}): Promise<BrowserSession> {
  ensureChromium()
  const ownsProfile = options.userDataDir === undefined
  const userDataDir = options.userDataDir ?? (await mkdtemp(path.join(tmpdir(), 'amber-chromium-')))
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
  const closed = new Promise<void>((resolve) => context.once('close', () => resolve()))
  // The persistent context opens one blank page; close it so pages are only the ones a test asks for.
  for (const page of context.pages()) await page.close()
  return {
    context,
    userDataDir,
    async newPage() {
      const page = await context.newPage()
      page.on('pageerror', (error) => console.error(`[chromium] uncaught: ${error.stack ?? error.message}`))
      page.on('console', (message) => {
        if (message.type() === 'error' || process.env.AMBER_PAGE_LOG) console.error(`[chromium] ${message.type()}: ${message.text()}`)
      })
      return page
    },
    async kill() {
      const pid = await browserPid(userDataDir)
      process.kill(pid, 'SIGKILL')
      await closed
    },
    async close() {
      await context.close()
      if (ownsProfile) await rm(userDataDir, { recursive: true, force: true })
    },
  }
}

/** The main browser process of a profile: the one Chromium process with this --user-data-dir and no --type. */
async function browserPid(userDataDir: string): Promise<number> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let argv: string[]
    try {
      argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') continue // exited meanwhile
      throw error
    }
    if (argv.includes(`--user-data-dir=${userDataDir}`) && !argv.some((arg) => arg.startsWith('--type='))) found.push(Number(entry))
  }
  if (found.length !== 1) throw new Error(`expected one Chromium browser process for ${userDataDir}, found ${found.length}`)
  return found[0]!
}

/** Bundles a page entry (TypeScript, importing src modules and workspace packages) into one ES module. */
export async function bundle(entry: string | URL, options: { define?: Record<string, string> } = {}): Promise<string> {
  const result = await build({
    entryPoints: [entry instanceof URL ? fileURLToPath(entry) : entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    keepNames: true,
    logLevel: 'silent',
    ...(options.define ? { define: options.define } : {}),
  })
  return result.outputFiles[0]!.text
}

export interface PageServer {
  /** The page's URL, `http://127.0.0.1:<port>/`. */
  readonly url: string
  readonly origin: string
  close(): Promise<void>
}

/**
 * Serves a page on 127.0.0.1: `/` is an HTML page that loads `script` as an ES module from `/main.js`.
 * Pass `port` to get the same origin as an earlier server (say, in a test that restarts everything).
 */
export async function servePage(script: string, options: { title?: string; port?: number } = {}): Promise<PageServer> {
  const html = `<!doctype html><meta charset="utf-8"><title>${options.title ?? 'amber test page'}</title><script type="module" src="/main.js"></script>`
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    if (pathname === '/favicon.ico') return void response.writeHead(204).end()
    const [type, body] = pathname === '/' ? ['text/html', html] : pathname === '/main.js' ? ['text/javascript', script] : [undefined, 'not found']
    response.writeHead(type ? 200 : 404, { 'content-type': `${type ?? 'text/plain'}; charset=utf-8`, 'cache-control': 'no-store' })
    response.end(body)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `${origin}/`,
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** Waits until the page's module has set `globalThis[name]` (module scripts run before `load`, but be sure). */
export async function waitForGlobal(page: Page, name: string): Promise<void> {
  await page.waitForFunction((key) => key in globalThis, name)
}
