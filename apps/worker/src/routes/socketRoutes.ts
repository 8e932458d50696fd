// The two WebSocket endpoints: the vault protocol (every document of a vault on one socket) and the
// standard y-websocket protocol for one note. Both authenticate here, then hand the socket to the DO.

import type { ConnectRoute } from '@amber/core'
import { Hono } from 'hono'
import type { Context } from 'hono'
import { ApiError, ApiErrorCode } from '../ApiError.ts'
import type { AppEnv } from '../appEnv.ts'
import { VAULT_ID, requireSocketGrant } from '../auth/authorize.ts'
import { parseNotePath } from '../parseNotePath.ts'
import { vaultStub } from '../vaultStub.ts'
import { createVaultUpgrade } from '../vaultUpgrade.ts'

const Y_ROUTE = /^\/api\/v1\/vaults\/[^/]+\/y\/(.+)$/

export const socketRoutes = new Hono<AppEnv>()

socketRoutes.get('/vaults/:vaultId/sync', (c) => forwardToVault(c, { kind: 'vault' }))

socketRoutes.get('/vaults/:vaultId/y/*', (c) => {
  // From the raw URL, not a Hono param: params are decoded differently for `%2F` and literal slashes.
  const match = Y_ROUTE.exec(new URL(c.req.url).pathname)
  const path = match?.[1] === undefined ? undefined : parseNotePath(match[1])
  if (path === undefined) throw new ApiError(400, ApiErrorCode.BadPath, 'the note path is empty or malformed')
  return forwardToVault(c, { kind: 'y', path })
})

async function forwardToVault(c: Context<AppEnv>, route: ConnectRoute): Promise<Response> {
  const vaultId = c.req.param('vaultId') ?? ''
  if (!VAULT_ID.test(vaultId)) throw new ApiError(400, ApiErrorCode.BadVaultId, 'vault ids are 1-64 characters of [A-Za-z0-9_-]')
  // Checked before the credential, so a plain GET never spends a ticket.
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new ApiError(426, ApiErrorCode.UpgradeRequired, 'this route only accepts WebSocket upgrades')
  }
  const grant = await requireSocketGrant(c, vaultId)
  const access = grant.expiresAt === null ? { role: grant.role, tokenId: grant.credentialId } : { role: grant.role, tokenId: grant.credentialId, expiresAt: grant.expiresAt }
  return vaultStub(c.env, vaultId).fetch(createVaultUpgrade(c.req.raw, { vaultId, route, access }))
}
