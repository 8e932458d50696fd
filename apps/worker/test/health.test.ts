// The health route through the real Worker entry point (SELF), as a deployed client would see it.

import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import packageJson from '../package.json'

describe('GET /api/v1/health', () => {
  it('answers ok with the service name and version', async () => {
    const res = await SELF.fetch('http://amber.test/api/v1/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, service: 'amber-sync', version: packageJson.version })
  })
})
