// Route logic through app.request() with a fake VAULT namespace: which DO a request reaches and with
// which route, without running the DO. The real DO behind these routes is covered in vaultDO.test.ts.

import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { app } from '../src/app.ts'
import type { Env } from '../src/Env.ts'
import { readVaultUpgrade } from '../src/vaultUpgrade.ts'
import { TEST_ADMIN_TOKEN } from './support/testSecrets.ts'

interface Forwarded {
  readonly name: string
  readonly request: Request
}

/** An Env whose VAULT records what the Worker forwards instead of reaching a Durable Object. */
function fakeEnv(): { env: Env; forwarded: Forwarded[] } {
  const forwarded: Forwarded[] = []
  const VAULT = {
    idFromName: (name: string) => ({ name }),
    get: (id: { name: string }) => ({
      fetch: async (request: Request) => {
        forwarded.push({ name: id.name, request })
        return new Response('forwarded', { status: 200 })
      },
    }),
  }
  return { env: { ...env, VAULT } as unknown as Env, forwarded }
}

const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` }
const upgrade = { headers: { Upgrade: 'websocket', ...admin } }
/** What the DO is told of an admin's socket. */
const adminAccess = { role: 'owner', tokenId: 'admin' }

/** Registers vaults with chosen ids straight in D1, so routes find them (ids are random through the API). */
async function ensureVaults(...ids: string[]): Promise<void> {
  for (const id of ids) await env.DB.prepare('INSERT OR IGNORE INTO vaults (id, name, created_at) VALUES (?, ?, ?)').bind(id, id, Date.now()).run()
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toContain('application/json')
  const body = (await res.json()) as { error: { code: string; message: string } }
  expect(body.error.code).toBe(code)
  expect(typeof body.error.message).toBe('string')
}

describe('routes', () => {
  beforeAll(() => ensureVaults('v1', 'My_Vault-1', 'mine', 'x'.repeat(64)))

  it('GET /api/v1/health answers ok', async () => {
    const res = await app.request('/api/v1/health', {}, fakeEnv().env)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, service: 'amber-sync' })
  })

  it('unknown routes are JSON 404s', async () => {
    await expectError(await app.request('/nope', {}, fakeEnv().env), 404, 'NOT_FOUND')
    await expectError(await app.request('/api/v1/vaults/v1/nope', { headers: admin }, fakeEnv().env), 404, 'NOT_FOUND')
  })

  it('the sync route answers 426 without an Upgrade: websocket header', async () => {
    const { env, forwarded } = fakeEnv()
    const res = await app.request('/api/v1/vaults/v1/sync', { headers: admin }, env)
    await expectError(res, 426, 'UPGRADE_REQUIRED')
    await expectError(await app.request('/api/v1/vaults/v1/sync', { headers: { Upgrade: 'h2c', ...admin } }, env), 426, 'UPGRADE_REQUIRED')
    await expectError(await app.request('/api/v1/vaults/v1/y/A.md', { headers: admin }, env), 426, 'UPGRADE_REQUIRED')
    expect(forwarded).toEqual([])
  })

  it('the sync route forwards to the DO named by the vault id, route vault', async () => {
    const { env, forwarded } = fakeEnv()
    const res = await app.request('/api/v1/vaults/My_Vault-1/sync', { headers: { Upgrade: 'WebSocket', ...admin } }, env)
    expect(res.status).toBe(200)
    expect(forwarded).toHaveLength(1)
    expect(forwarded[0]!.name).toBe('My_Vault-1')
    expect(readVaultUpgrade(forwarded[0]!.request)).toEqual({ vaultId: 'My_Vault-1', route: { kind: 'vault' }, access: adminAccess })
    expect(forwarded[0]!.request.headers.get('Upgrade')).toBe('WebSocket')
  })

  it('vault ids outside [A-Za-z0-9_-]{1,64} are rejected before any DO is reached', async () => {
    const { env, forwarded } = fakeEnv()
    for (const id of ['a.b', 'a%20b', '%C3%A9', 'x'.repeat(65), 'a%2Fb']) {
      await expectError(await app.request(`/api/v1/vaults/${id}/sync`, upgrade, env), 400, 'BAD_VAULT_ID')
      await expectError(await app.request(`/api/v1/vaults/${id}/y/A.md`, upgrade, env), 400, 'BAD_VAULT_ID')
    }
    expect((await app.request(`/api/v1/vaults/${'x'.repeat(64)}/sync`, upgrade, env)).status).toBe(200)
    expect(forwarded).toHaveLength(1)
  })

  it('a client cannot choose the forwarded vault id, route or access by sending the internal headers', async () => {
    const { env, forwarded } = fakeEnv()
    const forged = encodeURIComponent(JSON.stringify({ role: 'owner', tokenId: 'forged' }))
    const headers = { ...upgrade.headers, 'X-Amber-Vault-Id': 'other', 'X-Amber-Route': 'y:secret', 'X-Amber-Access': forged }
    await app.request('/api/v1/vaults/mine/sync', { headers }, env)
    expect(readVaultUpgrade(forwarded[0]!.request)).toEqual({ vaultId: 'mine', route: { kind: 'vault' }, access: adminAccess })
  })

  describe('y route note paths', () => {
    const cases: [url: string, path: string][] = [
      ['Notes%2FA.md', 'Notes/A.md'],
      ['Notes/A.md', 'Notes/A.md'],
      ['Notes%2fA.md', 'Notes/A.md'],
      ['Deep/Er%2FStill/Note.md', 'Deep/Er/Still/Note.md'],
      ['A.md', 'A.md'],
      ['My%20Note%20%E2%9C%93.md', 'My Note ✓.md'],
      ['100%25%20done.md', '100% done.md'],
      ['%25252F.md', '%252F.md'],
      ['Caf%C3%A9/%F0%9F%98%80.md', 'Café/😀.md'],
      ['a+b.md', 'a+b.md'],
    ]
    for (const [url, path] of cases) {
      it(`${url} names ${JSON.stringify(path)}`, async () => {
        const { env, forwarded } = fakeEnv()
        const res = await app.request(`/api/v1/vaults/v1/y/${url}?room=x`, upgrade, env)
        expect(res.status).toBe(200)
        expect(forwarded).toHaveLength(1)
        expect(forwarded[0]!.name).toBe('v1')
        expect(readVaultUpgrade(forwarded[0]!.request)).toEqual({ vaultId: 'v1', route: { kind: 'y', path }, access: adminAccess })
      })
    }

    it('the encoded and the slashed spelling of one path reach the same DO with the same route', async () => {
      const { env, forwarded } = fakeEnv()
      await app.request('/api/v1/vaults/v1/y/Notes%2FSub%2FA.md', upgrade, env)
      await app.request('/api/v1/vaults/v1/y/Notes/Sub/A.md', upgrade, env)
      const [a, b] = forwarded.map((f) => ({ name: f.name, upgrade: readVaultUpgrade(f.request) }))
      expect(a).toEqual(b)
    })

    it('empty, dot-segment and malformed paths are 400 BAD_PATH', async () => {
      const { env, forwarded } = fakeEnv()
      for (const url of ['%2F', 'a%2F%2Fb', '%2Fa', 'a%2F', '%2E%2E%2Fsecret.md', 'a%2F.%2Fb', '%E0%A4%A', '%', 'a%00b']) {
        await expectError(await app.request(`/api/v1/vaults/v1/y/${url}`, upgrade, env), 400, 'BAD_PATH')
      }
      expect(forwarded).toEqual([])
    })
  })
})

describe('CORS for the files API', () => {
  it('lets an allowed origin PUT with If-Match and Range, and read ETag and Content-Range', async () => {
    const origin = 'http://localhost'
    const preflight = await app.request(
      '/api/v1/vaults/v1/files/a.png',
      { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'if-match, range' } },
      fakeEnv().env,
    )
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toContain('PUT')
    expect(preflight.headers.get('Access-Control-Allow-Headers')?.split(',').map((h) => h.trim())).toEqual(expect.arrayContaining(['If-Match', 'Range']))
    const res = await app.request('/api/v1/health', { headers: { Origin: origin } }, fakeEnv().env)
    expect(res.headers.get('Access-Control-Expose-Headers')?.split(',').map((h) => h.trim())).toEqual(expect.arrayContaining(['ETag', 'Content-Range']))
  })
})
