// The server SDK against the real local server (wrangler dev): a Grove app's whole flow, from creating
// a vault with the admin secret to revoking a device's token, and a JWT from its own identity.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { WranglerDev } from '@amber/worker/local-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AmberAdmin, AmberApiError, signVaultJwt } from '../src/index.ts'

const JWT = { issuer: 'https://id.grove.test', secret: 'server-sdk-test-secret-0123456789' }
let server: WranglerDev
let persistTo: string

beforeAll(async () => {
  persistTo = await mkdtemp(path.join(tmpdir(), 'amber-server-sdk-'))
  server = await WranglerDev.start({ persistTo, vars: { AMBER_JWT_ISSUER: JWT.issuer, AMBER_JWT_SECRET: JWT.secret } })
})

afterAll(async () => {
  await server?.kill()
  await rm(persistTo, { recursive: true, force: true })
})

/** Opens a socket with the ticket and resolves with how the upgrade went. */
function openWithTicket(vaultId: string, ticket: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${server.wsOrigin}/api/v1/vaults/${vaultId}/sync?ticket=${ticket}`)
    ws.on('open', () => {
      ws.close()
      resolve('open')
    })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', () => undefined)
  })
}

async function expectApiError(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AmberApiError)
  expect(error).toMatchObject({ status, code })
}

describe('AmberAdmin', () => {
  it('creates a vault, mints, lists and revokes tokens, and issues tickets', async () => {
    const admin = new AmberAdmin({ baseUrl: server.origin, credential: server.adminToken })
    const vault = await admin.createVault('Grove notes')
    const owner = new AmberAdmin({ baseUrl: `${server.origin}/`, credential: vault.token })
    expect(await owner.getVault(vault.vaultId)).toMatchObject({ vaultId: vault.vaultId, name: 'Grove notes', role: 'owner' })

    const phone = await owner.createToken(vault.vaultId, { role: 'editor', label: 'phone', expiresIn: 3600 })
    expect(phone).toMatchObject({ role: 'editor', label: 'phone' })
    expect(phone.expiresAt).toBeGreaterThan(Date.now())
    const tokens = await owner.listTokens(vault.vaultId)
    expect(tokens.map((t) => t.label).sort()).toEqual(['created with the vault', 'phone'])

    const asPhone = new AmberAdmin({ baseUrl: server.origin, credential: phone.token })
    const ticket = await asPhone.createTicket(vault.vaultId)
    expect(await openWithTicket(vault.vaultId, ticket.ticket)).toBe('open')
    expect(await openWithTicket(vault.vaultId, ticket.ticket)).toBe(401)

    // An editor may not manage tokens; after revocation the phone may do nothing at all.
    await expectApiError(asPhone.listTokens(vault.vaultId), 403, 'FORBIDDEN')
    await owner.revokeToken(vault.vaultId, phone.tokenId)
    await expectApiError(asPhone.createTicket(vault.vaultId), 401, 'INVALID_CREDENTIAL')
    expect((await owner.listTokens(vault.vaultId)).find((t) => t.tokenId === phone.tokenId)?.revokedAt).toBeGreaterThan(0)
    expect(await owner.listDevices(vault.vaultId)).toEqual([])
    // Only the admin creates vaults.
    await expectApiError(owner.createVault('mine now'), 403, 'FORBIDDEN')
    await expectApiError(new AmberAdmin({ baseUrl: server.origin, credential: 'nope' }).createVault('x'), 401, 'INVALID_CREDENTIAL')
  })

  it('a JWT signed with the shared secret is a credential for its vault and role', async () => {
    const admin = new AmberAdmin({ baseUrl: server.origin, credential: server.adminToken })
    const vault = await admin.createVault('JWT vault')
    const other = await admin.createVault('someone else')
    const jwt = await signVaultJwt({ ...JWT, subject: 'user-42', vaultId: vault.vaultId, role: 'viewer' })
    const asUser = new AmberAdmin({ baseUrl: server.origin, credential: jwt })
    expect(await asUser.getVault(vault.vaultId)).toMatchObject({ role: 'viewer' })
    expect(await openWithTicket(vault.vaultId, (await asUser.createTicket(vault.vaultId)).ticket)).toBe('open')
    await expectApiError(asUser.getVault(other.vaultId), 404, 'VAULT_NOT_FOUND')
    await expectApiError(asUser.listTokens(vault.vaultId), 403, 'FORBIDDEN')
    const forged = await signVaultJwt({ ...JWT, secret: 'a-different-secret-0123456789abc', subject: 'user-42', vaultId: vault.vaultId, role: 'owner' })
    await expectApiError(new AmberAdmin({ baseUrl: server.origin, credential: forged }).getVault(vault.vaultId), 401, 'INVALID_CREDENTIAL')
  })
})
