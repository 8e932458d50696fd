// Runs one peer server inside this child process and answers the bench over IPC (ready, memory, stop).
// Plain JavaScript on purpose: no TypeScript loader thread inside the process whose memory we measure.
// Usage: node --expose-gc peerHost.mjs <hocuspocus-memory|hocuspocus-sqlite|y-websocket-ref> [sqliteFile]
// Env: PORT (required), HOST (must be a loopback address).
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'

const require = createRequire(import.meta.url)
const [kind, sqliteFile] = process.argv.slice(2)
const host = process.env.HOST ?? '127.0.0.1'
const port = Number(process.env.PORT)
if (!host.startsWith('127.')) throw new Error(`peerHost listens on loopback only, got HOST=${host}`)
if (!Number.isInteger(port) || port <= 0) throw new Error('peerHost needs PORT')

/** @type {() => Promise<void>} */
let stop

if (kind === 'hocuspocus-memory' || kind === 'hocuspocus-sqlite') {
  const { Server } = await import('@hocuspocus/server')
  const extensions = []
  if (kind === 'hocuspocus-sqlite') {
    if (!sqliteFile) throw new Error('hocuspocus-sqlite needs a database file argument')
    const { SQLite } = await import('@hocuspocus/extension-sqlite')
    extensions.push(new SQLite({ database: sqliteFile }))
  }
  // Defaults otherwise (debounce 2 s, maxDebounce 10 s, unloadImmediately): the server as shipped.
  const server = new Server({ address: host, port, quiet: true, stopOnSignals: false, extensions })
  await server.listen()
  stop = () => server.destroy()
} else if (kind === 'y-websocket-ref') {
  // bin/server.js reads HOST and PORT and listens by itself; it keeps documents in memory only.
  const pkg = require.resolve('y-websocket-server-v1/package.json')
  require(path.join(path.dirname(pkg), 'bin', 'server.js'))
  await waitForPort(host, port)
  stop = async () => {}
} else {
  throw new Error(`unknown peer kind ${kind}`)
}

process.on('message', (msg) => {
  void handle(msg).catch((err) => {
    process.send?.({ type: 'error', message: String(err?.stack ?? err) })
  })
})
process.on('disconnect', () => process.exit(0)) // the bench went away: never outlive it
process.send?.({ type: 'ready', port })

async function handle(msg) {
  if (msg?.type === 'memory') {
    // Two full collections so the figure is live data, not garbage awaiting a lazy GC.
    globalThis.gc?.()
    await new Promise((r) => setImmediate(r))
    globalThis.gc?.()
    const m = process.memoryUsage()
    process.send?.({
      type: 'memory',
      id: msg.id,
      memory: {
        rssBytes: m.rss,
        heapUsedBytes: m.heapUsed,
        heapTotalBytes: m.heapTotal,
        externalBytes: m.external,
        arrayBuffersBytes: m.arrayBuffers,
      },
      gc: typeof globalThis.gc === 'function',
    })
  } else if (msg?.type === 'stop') {
    await stop()
    process.send?.({ type: 'stopped' }, () => process.exit(0))
  }
}

async function waitForPort(h, p) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(p, h, () => {
        s.destroy()
        resolve(true)
      })
      s.on('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`y-websocket server did not listen on ${h}:${p}`)
}
