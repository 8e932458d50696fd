// Turns a request's credential into a grant on one vault, or the one error that request deserves:
// 401 without a valid credential, 404 for a vault the credential cannot see (whether or not it exists),
// 403 for a role that does not allow the action.

import { VaultRole } from '@amber/protocol'
import type { Context } from 'hono'
import { ApiError, ApiErrorCode, vaultNotFound } from '../ApiError.ts'
import type { AppEnv } from '../appEnv.ts'
import type { Grant } from '../registry/Registry.ts'
import { ADMIN_CREDENTIAL_ID, authenticate, bearerCredential } from './authenticate.ts'
import type { Principal } from './authenticate.ts'
import { TOKEN_PREFIX } from './secrets.ts'

export const VAULT_ID = /^[A-Za-z0-9_-]{1,64}$/

const RANK: Record<VaultRole, number> = { viewer: 0, editor: 1, owner: 2 }

export function roleAllows(role: VaultRole, needed: VaultRole): boolean {
  return RANK[role] >= RANK[needed]
}

/** The caller behind the Authorization header; throws 401 when there is none or it is not valid. */
export async function requirePrincipal(c: Context<AppEnv>): Promise<Principal> {
  const credential = bearerCredential(c.req.header('Authorization'))
  if (credential === undefined) throw new ApiError(401, ApiErrorCode.Unauthenticated, 'send the credential as Authorization: Bearer <token>')
  const principal = credential === null ? undefined : await authenticate(credential, c.env, c.get('registry'))
  if (principal === undefined) throw new ApiError(401, ApiErrorCode.InvalidCredential, 'the credential is malformed, unknown, expired or revoked')
  return principal
}

export async function requireAdmin(c: Context<AppEnv>): Promise<void> {
  const principal = await requirePrincipal(c)
  if (principal.kind !== 'admin') throw new ApiError(403, ApiErrorCode.Forbidden, 'only the admin credential may do this')
}

/** The caller's grant on `vaultId` with at least the `needed` role. */
export async function requireVaultRole(c: Context<AppEnv>, vaultId: string, needed: VaultRole): Promise<Grant> {
  return checkGrant(c, vaultId, needed, await requirePrincipal(c))
}

/** The caller's grant on the route's `:vaultId` with at least the `needed` role. */
export function requireRouteVaultRole(c: Context<AppEnv>, needed: VaultRole): Promise<Grant> {
  return requireVaultRole(c, c.req.param('vaultId') ?? '', needed)
}

/**
 * The grant for a WebSocket upgrade: a single-use `?ticket=` (browsers, stock y-websocket providers)
 * or the Authorization header. A long-lived credential in the URL is refused outright.
 */
export async function requireSocketGrant(c: Context<AppEnv>, vaultId: string): Promise<Grant> {
  const query = new URL(c.req.url).searchParams
  const ticket = query.get('ticket')
  if (['token', 'access_token', 'auth', 'authorization'].some((name) => query.has(name)) || ticket?.startsWith(TOKEN_PREFIX)) {
    throw new ApiError(401, ApiErrorCode.CredentialInUrl, 'long-lived tokens never go in URLs: send Authorization: Bearer, or get a ticket')
  }
  if (ticket === null) return requireVaultRole(c, vaultId, VaultRole.Viewer)
  const grant = await c.get('registry').consumeTicket(ticket)
  if (grant === undefined) throw new ApiError(401, ApiErrorCode.InvalidTicket, 'the ticket is unknown, already used or expired')
  if (grant.vaultId !== vaultId) throw vaultNotFound()
  return grant
}

async function checkGrant(c: Context<AppEnv>, vaultId: string, needed: VaultRole, principal: Principal): Promise<Grant> {
  if (!VAULT_ID.test(vaultId)) throw new ApiError(400, ApiErrorCode.BadVaultId, 'vault ids are 1-64 characters of [A-Za-z0-9_-]')
  const grant: Grant =
    principal.kind === 'admin' ? { vaultId, role: VaultRole.Owner, credentialId: ADMIN_CREDENTIAL_ID, expiresAt: null } : principal.grant
  if (grant.vaultId !== vaultId) throw vaultNotFound()
  // A token's vault always exists (its row references it); the admin and a foreign grant may name any id.
  const checkExists = principal.kind === 'admin' || grant.credentialId.startsWith('ext:')
  if (checkExists && (await c.get('registry').getVault(vaultId)) === undefined) throw vaultNotFound()
  if (!roleAllows(grant.role, needed)) throw new ApiError(403, ApiErrorCode.Forbidden, `this needs the ${needed} role; the credential has ${grant.role}`)
  return grant
}
