// The authorization matrix: every way in without the right credential, against every endpoint and both
// WebSockets of the real Worker and VaultDO. Each case must be denied with its status and error code,
// and afterwards vault A's stored state (DO SQLite, R2, registry rows) is byte-for-byte what it was.

import { encodePack } from '@amber/blobs'
import { AMBER_JWT_AUDIENCE } from '@amber/protocol'
import { SELF, env } from 'cloudflare:test'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Registry } from '../src/registry/Registry.ts'
import { TEST_ORIGIN, callApi, connectInWorkerd, createTestToken, createTestVault, openSocket } from './support/connectInWorkerd.ts'
import type { TestVault } from './support/connectInWorkerd.ts'
import { TEST_ADMIN_TOKEN, TEST_JWT_ISSUER, TEST_JWT_SECRET } from './support/testSecrets.ts'
import { commitVersion, createBinaryEntries, manifestOf, seededChunks, uploadPack } from './support/blobHelpers.ts'
import type { TestChunk } from './support/blobHelpers.ts'
import { eventually } from './support/eventually.ts'
import { snapshotVault } from './support/vaultSnapshot.ts'
import type { VaultSnapshot } from './support/vaultSnapshot.ts'
import { VaultTestClient } from './support/VaultTestClient.ts'
import { createNote } from './support/vaultHelpers.ts'

type Needs = 'admin' | 'owner' | 'editor' | 'viewer'

interface Endpoint {
  readonly name: string
  readonly needs: Needs
  readonly socket: boolean
  readonly method: string
  path(vaultId: string): string
  /** JSON, or raw bytes (a pack, a manifest, a file's content); made when the request is, after setup. */
  body?(): unknown
}

interface Expected {
  readonly status: number
  readonly code: string
}

/** A credential sent as Authorization (or not at all), and what each kind of endpoint answers it. */
interface HeaderCase {
  readonly name: string
  readonly header: () => string | undefined
  /** undefined: the credential is allowed there, so it is no denial case. */
  expect(endpoint: Endpoint): Expected | undefined
}

const UNAUTHENTICATED = { status: 401, code: 'UNAUTHENTICATED' }
const INVALID = { status: 401, code: 'INVALID_CREDENTIAL' }
const FORBIDDEN = { status: 403, code: 'FORBIDDEN' }
const NOT_FOUND = { status: 404, code: 'VAULT_NOT_FOUND' }

let vaultA: TestVault
let vaultB: TestVault
const tokens: Record<string, string> = {}
const tickets: Record<string, string> = {}
let revokedTokenId: string
let before: VaultSnapshot
/** Vault A's binary content, set up before the matrix runs. */
const seed = { binaryId: '', version: '', chunk: { hash: '', bytes: new Uint8Array(0) } as TestChunk }
let intruderChunk: TestChunk = seed.chunk
let intruderManifest: Uint8Array = new Uint8Array(0)
const logged: string[] = []
/** Every secret the test handled; none may appear in the server's logs. */
const secrets = (): string[] => [TEST_ADMIN_TOKEN, vaultA.token, vaultB.token, ...Object.values(tokens), ...Object.values(tickets)]

const endpoints: Endpoint[] = [
  { name: 'GET vault', needs: 'viewer', socket: false, method: 'GET', path: (v) => `/api/v1/vaults/${v}` },
  { name: 'GET tokens', needs: 'owner', socket: false, method: 'GET', path: (v) => `/api/v1/vaults/${v}/tokens` },
  { name: 'POST tokens', needs: 'owner', socket: false, method: 'POST', path: (v) => `/api/v1/vaults/${v}/tokens`, body: () => ({ role: 'owner', label: 'intruder' }) },
  { name: 'DELETE token', needs: 'owner', socket: false, method: 'DELETE', path: (v) => `/api/v1/vaults/${v}/tokens/${vaultA.tokenId}` },
  { name: 'GET devices', needs: 'owner', socket: false, method: 'GET', path: (v) => `/api/v1/vaults/${v}/devices` },
  { name: 'POST tickets', needs: 'viewer', socket: false, method: 'POST', path: (v) => `/api/v1/vaults/${v}/tickets` },
  { name: 'POST vaults', needs: 'admin', socket: false, method: 'POST', path: () => '/api/v1/vaults', body: () => ({ name: 'intruder' }) },
  { name: 'vault socket', needs: 'viewer', socket: true, method: 'GET', path: (v) => `/api/v1/vaults/${v}/sync` },
  { name: 'y socket', needs: 'viewer', socket: true, method: 'GET', path: (v) => `/api/v1/vaults/${v}/y/Notes%2FSeed.md` },
  // Binaries (docs/binaries.md). Every body is valid, so a request that got through would change what vault A stores.
  { name: 'POST chunks/missing', needs: 'editor', socket: false, method: 'POST', path: (v) => `/api/v1/vaults/${v}/chunks/missing`, body: () => ({ hashes: [seed.chunk.hash] }) },
  { name: 'POST packs', needs: 'editor', socket: false, method: 'POST', path: (v) => `/api/v1/vaults/${v}/packs`, body: () => encodePack([intruderChunk]) },
  { name: 'POST chunks/fetch', needs: 'viewer', socket: false, method: 'POST', path: (v) => `/api/v1/vaults/${v}/chunks/fetch`, body: () => ({ hashes: [seed.chunk.hash] }) },
  { name: 'GET chunk', needs: 'viewer', socket: false, method: 'GET', path: (v) => `/api/v1/vaults/${v}/chunks/${seed.chunk.hash}` },
  { name: 'POST version', needs: 'editor', socket: false, method: 'POST', path: (v) => `/api/v1/vaults/${v}/binaries/${seed.binaryId}/versions`, body: () => intruderManifest },
  {
    name: 'POST versions (batch)',
    needs: 'editor',
    socket: false,
    method: 'POST',
    path: (v) => `/api/v1/vaults/${v}/versions`,
    body: () => ({ commits: [{ fileId: seed.binaryId, manifest: new TextDecoder().decode(intruderManifest) }] }),
  },
  { name: 'GET versions', needs: 'viewer', socket: false, method: 'GET', path: (v) => `/api/v1/vaults/${v}/binaries/${seed.binaryId}/versions` },
  { name: 'GET manifest', needs: 'viewer', socket: false, method: 'GET', path: (v) => `/api/v1/vaults/${v}/manifests/${seed.version}` },
  { name: 'GET usage', needs: 'owner', socket: false, method: 'GET', path: (v) => `/api/v1/vaults/${v}/usage` },
  { name: 'GET file (note)', needs: 'viewer', socket: false, method: 'GET', path: (v) => `/api/v1/vaults/${v}/files/Notes/Seed.md` },
  { name: 'GET file (binary)', needs: 'viewer', socket: false, method: 'GET', path: (v) => `/api/v1/vaults/${v}/files/Bilder/seed.png` },
  { name: 'PUT file (note)', needs: 'editor', socket: false, method: 'PUT', path: (v) => `/api/v1/vaults/${v}/files/Notes/Seed.md`, body: () => new TextEncoder().encode('overwritten') },
  { name: 'PUT file (binary)', needs: 'editor', socket: false, method: 'PUT', path: (v) => `/api/v1/vaults/${v}/files/Bilder/seed.png`, body: () => intruderChunk.bytes },
  { name: 'DELETE file', needs: 'editor', socket: false, method: 'DELETE', path: (v) => `/api/v1/vaults/${v}/files/Notes/Seed.md` },
]

const RANK: Record<Needs, number> = { viewer: 0, editor: 1, owner: 2, admin: 3 }
/** A member of the wrong role: allowed where its role suffices, 403 elsewhere (the admin route included). */
const byRole = (role: 'viewer' | 'editor') => (endpoint: Endpoint) => (RANK[role] >= RANK[endpoint.needs] ? undefined : FORBIDDEN)
/** Another vault's credential: vault A does not exist for it; the admin route is just not allowed. */
const otherVault = (endpoint: Endpoint) => (endpoint.needs === 'admin' ? FORBIDDEN : NOT_FOUND)

const headerCases: HeaderCase[] = [
  { name: 'no credential', header: () => undefined, expect: () => UNAUTHENTICATED },
  { name: 'not a bearer header', header: () => `Basic ${btoa(`x:${vaultA.token}`)}`, expect: () => INVALID },
  { name: 'empty bearer', header: () => 'Bearer ', expect: () => INVALID },
  { name: 'garbage', header: () => 'Bearer hunter2', expect: () => INVALID },
  { name: 'guessed token', header: () => `Bearer amber_tok_${'A'.repeat(43)}`, expect: () => INVALID },
  { name: 'modified owner token', header: () => `Bearer ${flipLast(vaultA.token)}`, expect: () => INVALID },
  { name: 'owner token with a suffix', header: () => `Bearer ${vaultA.token}x`, expect: () => INVALID },
  { name: 'expired editor token', header: () => `Bearer ${tokens.expired}`, expect: () => INVALID },
  { name: 'revoked owner token', header: () => `Bearer ${tokens.revoked}`, expect: () => INVALID },
  { name: 'modified admin secret', header: () => `Bearer ${flipLast(TEST_ADMIN_TOKEN)}`, expect: () => INVALID },
  { name: "vault B's owner token", header: () => `Bearer ${vaultB.token}`, expect: otherVault },
  { name: 'viewer token of A', header: () => `Bearer ${tokens.viewer}`, expect: byRole('viewer') },
  { name: 'editor token of A', header: () => `Bearer ${tokens.editor}`, expect: byRole('editor') },
  { name: 'JWT with a wrong signature', header: () => `Bearer ${tokens.jwtForged}`, expect: () => INVALID },
  { name: 'expired JWT', header: () => `Bearer ${tokens.jwtExpired}`, expect: () => INVALID },
  { name: 'JWT for vault B', header: () => `Bearer ${tokens.jwtVaultB}`, expect: otherVault },
  { name: 'JWT of a viewer of A', header: () => `Bearer ${tokens.jwtViewer}`, expect: byRole('viewer') },
]

const socketEndpoints = endpoints.filter((e) => e.socket)
const INVALID_TICKET = { status: 401, code: 'INVALID_TICKET' }
const ticketCases: { name: string; ticket: (endpoint: Endpoint) => string; expected: Expected }[] = [
  { name: 'garbage ticket', ticket: () => 'amber_tkt_nothing', expected: INVALID_TICKET },
  { name: 'reused ticket', ticket: () => tickets.used!, expected: INVALID_TICKET },
  { name: 'expired ticket', ticket: () => tickets.expired!, expected: INVALID_TICKET },
  { name: 'ticket of a revoked token', ticket: () => tickets.ofRevoked!, expected: INVALID_TICKET },
  { name: "vault B's ticket", ticket: (endpoint) => tickets[`vaultB ${endpoint.name}`]!, expected: NOT_FOUND },
]
const IN_URL = { status: 401, code: 'CREDENTIAL_IN_URL' }
const urlCases: { name: string; query: () => string }[] = [
  { name: 'owner token as ?token=', query: () => `token=${encodeURIComponent(vaultA.token)}` },
  { name: 'owner token as ?access_token=', query: () => `access_token=${encodeURIComponent(vaultA.token)}` },
  { name: 'owner token as ?ticket=', query: () => `ticket=${encodeURIComponent(vaultA.token)}` },
]

function flipLast(secret: string): string {
  return secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')
}

async function request(endpoint: Endpoint, headers: Record<string, string>, query = ''): Promise<Response> {
  const url = `${TEST_ORIGIN}${endpoint.path(vaultA.vaultId)}${query === '' ? '' : `?${query}`}`
  if (endpoint.socket) headers = { ...headers, Upgrade: 'websocket' }
  const value = endpoint.body?.()
  const raw = value instanceof Uint8Array
  if (value !== undefined && !raw) headers = { ...headers, 'Content-Type': 'application/json' }
  const body = value === undefined ? undefined : raw ? value : JSON.stringify(value)
  return SELF.fetch(url, { method: endpoint.method, headers, body })
}

async function expectDenied(res: Response, expected: Expected): Promise<void> {
  const text = await res.text()
  expect({ status: res.status, code: (JSON.parse(text) as { error?: { code?: string } }).error?.code }, text).toEqual(expected)
  expect(res.webSocket).toBeNull()
}

async function signJwt(claims: Record<string, unknown>, secret = TEST_JWT_SECRET, expiresIn: string | number = '1h'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(TEST_JWT_ISSUER)
    .setAudience(AMBER_JWT_AUDIENCE)
    .setSubject('grove-user-7')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret))
}

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level].bind(console)
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '))
      original(...args)
    })
  }
  vaultA = await createTestVault('vault A')
  vaultB = await createTestVault('vault B')
  tokens.editor = (await createTestToken(vaultA, 'editor')).token
  tokens.viewer = (await createTestToken(vaultA, 'viewer')).token
  const registry = new Registry(env.DB)
  // Expired for real: minted with an expiry already past (the API only accepts future ones).
  tokens.expired = (await registry.createToken(vaultA.vaultId, 'editor', 'expired', Date.now() - 1)).token
  const revoked = await createTestToken(vaultA, 'owner')
  tokens.revoked = revoked.token
  revokedTokenId = revoked.tokenId
  tickets.ofRevoked = (await callApi<{ ticket: string }>('POST', `/api/v1/vaults/${vaultA.vaultId}/tickets`, revoked.token)).ticket
  await callApi('DELETE', `/api/v1/vaults/${vaultA.vaultId}/tokens/${revokedTokenId}`, vaultA.token)
  tokens.jwtForged = await signJwt({ vault: vaultA.vaultId, role: 'owner' }, 'not-the-shared-secret-at-all-0000')
  tokens.jwtExpired = await signJwt({ vault: vaultA.vaultId, role: 'owner' }, TEST_JWT_SECRET, Math.floor(Date.now() / 1000) - 60)
  tokens.jwtVaultB = await signJwt({ vault: vaultB.vaultId, role: 'owner' })
  tokens.jwtViewer = await signJwt({ vault: vaultA.vaultId, role: 'viewer' })
  for (const endpoint of endpoints.filter((e) => e.socket)) {
    tickets[`vaultB ${endpoint.name}`] = (await callApi<{ ticket: string }>('POST', `/api/v1/vaults/${vaultB.vaultId}/tickets`, vaultB.token)).ticket
  }
  const expiredTicketRegistry = new Registry(env.DB, () => Date.now() - 10 * 60_000)
  tickets.expired = (await expiredTicketRegistry.createTicket({ vaultId: vaultA.vaultId, role: 'owner', credentialId: vaultA.tokenId, expiresAt: null }, 60_000)).ticket

  // Content in vault A: a note and the tree, written by an editor and durably acked.
  const editor = new VaultTestClient('seed-device')
  const ws = await connectInWorkerd(editor, vaultA, tokens.editor)
  await editor.whenCaughtUp()
  const id = createNote(editor, 'Notes/Seed.md')
  editor.doc(id).getText('content').insert(0, 'the seed note')
  await editor.whenAllAcked()
  // A binary with a committed version, and a chunk no request may reach.
  seed.binaryId = (await createBinaryEntries(vaultA, 'Bilder/seed.png'))[0]!
  seed.chunk = (await seededChunks(77, 5000))[0]!
  intruderChunk = (await seededChunks(78, 3000))[0]!
  expect((await uploadPack(vaultA, [seed.chunk])).status).toBe(201)
  const manifest = await manifestOf([seed.chunk], 1_000, 'seed-device')
  seed.version = manifest.version
  expect((await commitVersion(vaultA, seed.binaryId, manifest.bytes)).status).toBe(201)
  intruderManifest = (await manifestOf([seed.chunk], 2_000, 'intruder')).bytes
  ws.close(1000, 'seeded')
  await waitForDeviceReport(vaultA.vaultId, 'seed-device', false)
  await waitForUsageReport(vaultA.vaultId)
  // A ticket used once, so the matrix can try it again.
  tickets.used = (await callApi<{ ticket: string }>('POST', `/api/v1/vaults/${vaultA.vaultId}/tickets`, vaultA.token)).ticket
  const once = await SELF.fetch(`${TEST_ORIGIN}/api/v1/vaults/${vaultA.vaultId}/sync?ticket=${tickets.used}`, { headers: { Upgrade: 'websocket' } })
  expect(once.status).toBe(101)
  once.webSocket!.accept()
  once.webSocket!.close(1000, 'used')
  before = await snapshotVault(vaultA.vaultId)
})

/** The DO reports devices to D1 in the background; wait for the report of this (dis)connection. */
async function waitForDeviceReport(vaultId: string, deviceId: string, connected: boolean): Promise<void> {
  await eventually(async () => {
    const row = await env.DB.prepare('SELECT connected FROM devices WHERE vault_id = ? AND device_id = ?').bind(vaultId, deviceId).first<{ connected: number }>()
    return row !== null && row.connected === (connected ? 1 : 0)
  }, `the device report of ${deviceId}`)
}

/** Uploads and commits report the vault's binary bytes to D1 in the background; wait for the last report. */
async function waitForUsageReport(vaultId: string): Promise<void> {
  const { binaryBytes } = await callApi<{ binaryBytes: number }>('GET', `/api/v1/vaults/${vaultId}/usage`, vaultA.token)
  await eventually(async () => {
    const row = await env.DB.prepare('SELECT binary_bytes FROM vaults WHERE id = ?').bind(vaultId).first<{ binary_bytes: number }>()
    return row?.binary_bytes === binaryBytes
  }, 'the usage report')
}

afterAll(() => {
  const leaks = logged.filter((line) => secrets().some((secret) => line.includes(secret)))
  expect(leaks).toEqual([])
  vi.restoreAllMocks()
})

describe('authorization matrix', () => {
  describe('credentials in the Authorization header', () => {
    // Only the pairs that must be denied: a viewer reading its own vault is no denial case.
    const denials = endpoints.flatMap((endpoint) =>
      headerCases.flatMap((credential) => {
        const expected = credential.expect(endpoint)
        return expected === undefined ? [] : [{ endpoint, credential, expected }]
      }),
    )
    for (const { endpoint, credential, expected } of denials) {
      it(`${endpoint.name} with ${credential.name}`, async () => {
        const header = credential.header()
        await expectDenied(await request(endpoint, header === undefined ? {} : { Authorization: header }), expected)
      })
    }
  })

  describe('tickets', () => {
    for (const endpoint of socketEndpoints) {
      for (const ticket of ticketCases) {
        it(`${endpoint.name} with ${ticket.name}`, async () => {
          await expectDenied(await request(endpoint, {}, `ticket=${encodeURIComponent(ticket.ticket(endpoint))}`), ticket.expected)
        })
      }
      for (const url of urlCases) {
        it(`${endpoint.name} with the ${url.name}`, async () => {
          await expectDenied(await request(endpoint, {}, url.query()), IN_URL)
        })
      }
    }
  })

  describe('a foreign Origin, with a valid owner credential', () => {
    for (const endpoint of endpoints) {
      it(endpoint.name, async () => {
        const credential = endpoint.needs === 'admin' ? TEST_ADMIN_TOKEN : vaultA.token
        await expectDenied(await request(endpoint, { Authorization: `Bearer ${credential}`, Origin: 'https://evil.example' }), {
          status: 403,
          code: 'ORIGIN_NOT_ALLOWED',
        })
      })
    }
  })

  // Runs after every case above (tests of a file run in order).
  it('left everything the server stores for vault A byte-for-byte unchanged', async () => {
    expect(await snapshotVault(vaultA.vaultId)).toEqual(before)
  })
})

describe('the same credentials, where they are allowed', () => {
  it('the owner token works everywhere in its vault, from its own origin too', async () => {
    const res = await SELF.fetch(`${TEST_ORIGIN}/api/v1/vaults/${vaultA.vaultId}`, { headers: { Authorization: `Bearer ${vaultA.token}`, Origin: TEST_ORIGIN } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ vaultId: vaultA.vaultId, name: 'vault A', role: 'owner' })
    const ws = await openSocket(`/api/v1/vaults/${vaultA.vaultId}/sync`, vaultA.token)
    ws.close(1000, 'ok')
  })

  it('a JWT from the foreign identity verifier opens a socket with its role', async () => {
    const client = new VaultTestClient('jwt-device')
    const ws = await connectInWorkerd(client, vaultA, tokens.jwtViewer!)
    await client.whenCaughtUp()
    expect(client.caughtUp).toBe(true)
    ws.close(1000, 'done')
  })
})
