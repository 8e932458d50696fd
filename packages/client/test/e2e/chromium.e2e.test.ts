// The SDK in real headless Chromium with the IndexedDB store: an edit made while the server is
// unreachable survives a page reload (no explicit flush: the page just reloads) and reaches the server
// once it is reachable again.

import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { waitForGlobal } from '../browser/harness.ts'
import { sdkPageInChromium } from './support/sdkPageInChromium.ts'
import { amberServer, createVault, openVault } from './support/e2e.ts'

const sdkPage = sdkPageInChromium('SDK e2e')

describe('the SDK in Chromium (IndexedDB)', () => {
  it('an edit made offline survives a reload and reaches the server after reconnect', async () => {
    const created = await createVault('chromium')
    const { origin } = amberServer()
    const page = await sdkPage.session().newPage()
    // The sync server is unreachable: every request to it fails as on a plane.
    await sdkPage.session().context.route(`${origin}/**`, (route) => route.abort('internetdisconnected'))
    await page.goto(sdkPage.url())
    await waitForGlobal(page, 'amberSdk')
    const options = { origin, vaultId: created.vaultId, token: created.token }
    await page.evaluate((o) => globalThis.amberSdk.open(o), options)
    await page.evaluate(() => globalThis.amberSdk.append('Offline/Plane.md', 'written at 10 000 m'))
    expect(await page.evaluate(() => globalThis.amberSdk.hasLocalChanges())).toBe(true)
    expect(await page.evaluate(() => globalThis.amberSdk.status())).not.toBe('synced')

    // The tab reloads: whatever the page held in memory is gone.
    await page.reload()
    await waitForGlobal(page, 'amberSdk')
    await page.evaluate((o) => globalThis.amberSdk.open(o), options)
    expect(await page.evaluate(() => globalThis.amberSdk.text('Offline/Plane.md'))).toBe(
      'written at 10 000 m',
    )
    expect(await page.evaluate(() => globalThis.amberSdk.hasLocalChanges())).toBe(true)

    // Back on the ground.
    await sdkPage.session().context.unroute(`${origin}/**`)
    await page.evaluate(() => globalThis.amberSdk.connect())
    await page.evaluate(() => globalThis.amberSdk.whenSynced())
    expect(await page.evaluate(() => globalThis.amberSdk.hasLocalChanges())).toBe(false)

    const laptop = await openVault(created, new MemoryStore())
    await laptop.whenSynced()
    expect((await laptop.open('Offline/Plane.md')).text.toString()).toBe('written at 10 000 m')
  })
})
