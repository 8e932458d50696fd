// The Worker entry point: the Hono app handles requests; VaultDO is exported for its binding.

import { app } from './app.ts'
import type { Env } from './Env.ts'

export { VaultDO } from './VaultDO.ts'

export default { fetch: app.fetch } satisfies ExportedHandler<Env>
