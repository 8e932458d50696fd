// HTTP routes of the Worker (Hono): health, and the socket upgrades it forwards to each vault's VaultDO.
// Route logic is tested with app.request(); only the DO behind it needs workerd.

import type { ConnectRoute } from '@amber/core'
import { Hono } from 'hono'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import packageJson from '../package.json'
import { ApiError, ApiErrorCode } from './ApiError.ts'
import type { Env } from './Env.ts'
import { parseNotePath } from './parseNotePath.ts'
import { createVaultUpgrade } from './vaultUpgrade.ts'

export const SERVICE_NAME = 'amber-sync'
export const SERVICE_VERSION: string = packageJson.version

const VAULT_ID = /^[A-Za-z0-9_-]{1,64}$/
const Y_ROUTE = /^\/api\/v1\/vaults\/[^/]+\/y\/(.+)$/

type AppEnv = { Bindings: Env }

export const app = new Hono<AppEnv>()

app.get('/api/v1/health', (c) => c.json({ ok: true, service: SERVICE_NAME, version: SERVICE_VERSION }))

app.get('/api/v1/vaults/:vaultId/sync', (c) => forwardToVault(c, { kind: 'vault' }))

app.get('/api/v1/vaults/:vaultId/y/*', (c) => {
  // From the raw URL, not a Hono param: params are decoded differently for `%2F` and literal slashes.
  const match = Y_ROUTE.exec(new URL(c.req.url).pathname)
  const path = match?.[1] === undefined ? undefined : parseNotePath(match[1])
  if (path === undefined) throw new ApiError(400, ApiErrorCode.BadPath, 'the note path is empty or malformed')
  return forwardToVault(c, { kind: 'y', path })
})

// Hono answers unmatched routes from notFound, not onError; route it through the same renderer.
app.notFound((c) => renderError(c, new ApiError(404, ApiErrorCode.NotFound, 'no such route')))

app.onError((error, c) => renderError(c, error))

function renderError(c: Context<AppEnv>, error: Error): Response {
  if (error instanceof ApiError) {
    return c.json({ error: { code: error.code, message: error.message } }, error.status)
  }
  if (error instanceof HTTPException) {
    return c.json({ error: { code: ApiErrorCode.Internal, message: error.message } }, error.status)
  }
  console.error(JSON.stringify({ level: 'error', message: 'unhandled route error', error: String(error) }))
  return c.json({ error: { code: ApiErrorCode.Internal, message: 'internal error' } }, 500)
}

function forwardToVault(c: Context<AppEnv>, route: ConnectRoute): Promise<Response> {
  const vaultId = c.req.param('vaultId') ?? ''
  if (!VAULT_ID.test(vaultId)) throw new ApiError(400, ApiErrorCode.BadVaultId, 'vault ids are 1-64 characters of [A-Za-z0-9_-]')
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new ApiError(426, ApiErrorCode.UpgradeRequired, 'this route only accepts WebSocket upgrades')
  }
  const stub = c.env.VAULT.get(c.env.VAULT.idFromName(vaultId))
  return stub.fetch(createVaultUpgrade(c.req.raw, { vaultId, route }))
}
