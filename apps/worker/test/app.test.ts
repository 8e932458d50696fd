// Route logic through app.request() with a fake VAULT namespace: which DO a request reaches and with
// which route, without running the DO. The real DO behind these routes is covered in vaultDO.test.ts.

import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app.ts'
import type { Env } from '../src/Env.ts'
import { readVaultUpgrade } from '../src/vaultUpgrade.ts'

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

const upgrade = { headers: { Upgrade: 'websocket' } }

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toContain('application/json')
  const body = (await res.json()) as { error: { code: string; message: string } }
  expect(body.error.code).toBe(code)
  expect(typeof body.error.message).toBe('string')
}

describe('routes', () => {
  it('GET /api/v1/health answers ok', async () => {
    const res = await app.request('/api/v1/health', {}, fakeEnv().env)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, service: 'amber-sync' })
  })

  it('unknown routes are JSON 404s', async () => {
    await expectError(await app.request('/nope', {}, fakeEnv().env), 404, 'NOT_FOUND')
    await expectError(await app.request('/api/v1/vaults/v1', {}, fakeEnv().env), 404, 'NOT_FOUND')
  })

  it('the sync route answers 426 without an Upgrade: websocket header', async () => {
    const { env, forwarded } = fakeEnv()
    const res = await app.request('/api/v1/vaults/v1/sync', {}, env)
    await expectError(res, 426, 'UPGRADE_REQUIRED')
    await expectError(await app.request('/api/v1/vaults/v1/sync', { headers: { Upgrade: 'h2c' } }, env), 426, 'UPGRADE_REQUIRED')
    await expectError(await app.request('/api/v1/vaults/v1/y/A.md', {}, env), 426, 'UPGRADE_REQUIRED')
    expect(forwarded).toEqual([])
  })

  it('the sync route forwards to the DO named by the vault id, route vault', async () => {
    const { env, forwarded } = fakeEnv()
    const res = await app.request('/api/v1/vaults/My_Vault-1/sync', { headers: { Upgrade: 'WebSocket' } }, env)
    expect(res.status).toBe(200)
    expect(forwarded).toHaveLength(1)
    expect(forwarded[0]!.name).toBe('My_Vault-1')
    expect(readVaultUpgrade(forwarded[0]!.request)).toEqual({ vaultId: 'My_Vault-1', route: { kind: 'vault' } })
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

  it('a client cannot choose the forwarded vault id or route by sending the internal headers', async () => {
    const { env, forwarded } = fakeEnv()
    const headers = { Upgrade: 'websocket', 'X-Amber-Vault-Id': 'other', 'X-Amber-Route': 'y:secret' }
    await app.request('/api/v1/vaults/mine/sync', { headers }, env)
    expect(readVaultUpgrade(forwarded[0]!.request)).toEqual({ vaultId: 'mine', route: { kind: 'vault' } })
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
        const res = await app.request(`/api/v1/vaults/v1/y/${url}?token=x`, upgrade, env)
        expect(res.status).toBe(200)
        expect(forwarded).toHaveLength(1)
        expect(forwarded[0]!.name).toBe('v1')
        expect(readVaultUpgrade(forwarded[0]!.request)).toEqual({ vaultId: 'v1', route: { kind: 'y', path } })
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
