// The registry API: vaults, tokens, devices and tickets (JSON in and out, validated with zod).

import { VaultRole } from '@amber/protocol'
import { Hono } from 'hono'
import { z } from 'zod'
import { ApiError, ApiErrorCode } from '../ApiError.ts'
import type { AppEnv } from '../appEnv.ts'
import { requireAdmin, requireVaultRole } from '../auth/authorize.ts'
import type { VaultDO } from '../VaultDO.ts'
import { validate } from './validate.ts'

/** Longest token lifetime a caller may ask for: ten years, in seconds. */
const MAX_EXPIRES_IN_S = 10 * 365 * 24 * 3600

const createVaultBody = z.strictObject({ name: z.string().trim().min(1).max(200) })
const createTokenBody = z.strictObject({
  role: z.enum([VaultRole.Owner, VaultRole.Editor, VaultRole.Viewer]),
  label: z.string().trim().min(1).max(200),
  /** Seconds from now; omitted for a token that does not expire. */
  expiresIn: z.number().int().positive().max(MAX_EXPIRES_IN_S).optional(),
})

export const registryRoutes = new Hono<AppEnv>()

registryRoutes.post('/vaults', async (c, next) => requireAdmin(c).then(next), validate('json', createVaultBody), async (c) => {
  const { name } = c.req.valid('json')
  const created = await c.get('registry').createVault(name)
  return c.json(created, 201)
})

registryRoutes.get('/vaults/:vaultId', async (c) => {
  const grant = await requireVaultRole(c, c.req.param('vaultId'), VaultRole.Viewer)
  const vault = await c.get('registry').getVault(grant.vaultId)
  return c.json({ ...vault, role: grant.role })
})

registryRoutes.get('/vaults/:vaultId/tokens', async (c) => {
  const grant = await requireVaultRole(c, c.req.param('vaultId'), VaultRole.Owner)
  return c.json({ tokens: await c.get('registry').listTokens(grant.vaultId) })
})

registryRoutes.post('/vaults/:vaultId/tokens', async (c, next) => requireVaultRole(c, c.req.param('vaultId'), VaultRole.Owner).then(() => next()), validate('json', createTokenBody), async (c) => {
  const { role, label, expiresIn } = c.req.valid('json')
  const expiresAt = expiresIn === undefined ? null : Date.now() + expiresIn * 1000
  const minted = await c.get('registry').createToken(c.req.param('vaultId'), role, label, expiresAt)
  return c.json({ ...minted, role, label, expiresAt }, 201)
})

registryRoutes.delete('/vaults/:vaultId/tokens/:tokenId', async (c) => {
  const grant = await requireVaultRole(c, c.req.param('vaultId'), VaultRole.Owner)
  const tokenId = c.req.param('tokenId')
  if (!(await c.get('registry').revokeToken(grant.vaultId, tokenId))) {
    throw new ApiError(404, ApiErrorCode.TokenNotFound, 'no live token with this id in this vault')
  }
  // New requests with the token already fail; now close the sockets it opened.
  const closing = closeCredentialSockets(c.env.VAULT, grant.vaultId, tokenId, c.get('access').revocationDelayMs)
  c.executionCtx.waitUntil(closing)
  return c.body(null, 204)
})

registryRoutes.get('/vaults/:vaultId/devices', async (c) => {
  const grant = await requireVaultRole(c, c.req.param('vaultId'), VaultRole.Owner)
  return c.json({ devices: await c.get('registry').listDevices(grant.vaultId) })
})

registryRoutes.post('/vaults/:vaultId/tickets', async (c) => {
  const grant = await requireVaultRole(c, c.req.param('vaultId'), VaultRole.Viewer)
  return c.json(await c.get('registry').createTicket(grant, c.get('access').ticketTtlMs), 201)
})

/** Asks the vault's DO to close the credential's sockets, retrying until the revocation delay is spent. */
async function closeCredentialSockets(namespace: DurableObjectNamespace<VaultDO>, vaultId: string, credentialId: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs
  for (let delay = 50; ; delay *= 2) {
    try {
      await namespace.get(namespace.idFromName(vaultId)).closeCredential(credentialId)
      return
    } catch (error) {
      if (Date.now() + delay > deadline) {
        console.error(JSON.stringify({ level: 'error', message: 'revocation did not reach the vault', vaultId, error: String(error) }))
        return
      }
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}
