// Registers the hooks of a test file that drives the SDK page (support/sdk.page.ts) in headless Chromium:
// the page served on the port the server allows as an origin, one browser, everything closed after.

import { afterAll, beforeAll } from 'vitest'
import { bundle, launchBrowser, servePage } from '../../browser/harness.ts'
import type { BrowserSession, PageServer } from '../../browser/harness.ts'
import { amberServer, closeAll } from './e2e.ts'

export interface SdkPage {
  /** The browser, once `beforeAll` has run. */
  readonly session: () => BrowserSession
  /** The page's URL. */
  readonly url: () => string
}

export function sdkPageInChromium(title: string): SdkPage {
  let session: BrowserSession | undefined
  let pageServer: PageServer | undefined
  beforeAll(async () => {
    pageServer = await servePage(await bundle(new URL('./sdk.page.ts', import.meta.url)), { title, port: amberServer().pagePort })
    session = await launchBrowser()
  }, 60_000)
  afterAll(async () => {
    await closeAll()
    await session?.close()
    await pageServer?.close()
  })
  return { session: () => session!, url: () => pageServer!.url }
}
