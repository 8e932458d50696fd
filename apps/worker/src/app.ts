// HTTP routes of the Worker (Hono): health, the registry API, and the socket upgrades it forwards to
// each vault's VaultDO. Route logic is tested with app.request(); only the DO behind it needs workerd.

import { Hono } from 'hono'
import type { Context } from 'hono'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import packageJson from '../package.json'
import { ApiError, ApiErrorCode } from './ApiError.ts'
import type { AppEnv } from './appEnv.ts'
import { isOriginAllowed } from './auth/origin.ts'
import { accessConfigFromEnv } from './config.ts'
import { Registry } from './registry/Registry.ts'
import { blobRoutes } from './routes/blobRoutes.ts'
import { fileRoutes } from './routes/fileRoutes.ts'
import { registryRoutes } from './routes/registryRoutes.ts'
import { socketRoutes } from './routes/socketRoutes.ts'

export const SERVICE_NAME = 'amber-sync'
export const SERVICE_VERSION: string = packageJson.version

export const app = new Hono<AppEnv>()

app.use('*', async (c, next) => {
  const access = accessConfigFromEnv(c.env)
  const origin = c.req.header('Origin')
  if (origin !== undefined && !isOriginAllowed(origin, c.req.url, access.allowedOrigins)) {
    throw new ApiError(403, ApiErrorCode.OriginNotAllowed, 'requests from this origin are not allowed (AMBER_ALLOWED_ORIGINS)')
  }
  c.set('access', access)
  c.set('registry', new Registry(c.env.DB))
  await next()
})

// Only origins that passed the check above reach here; CORS lets their pages read the answers. Socket
// upgrades need none (the 101 from the DO cannot take headers anyway).
const corsHeaders = cors({
  origin: (origin) => origin,
  allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Range'],
  allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
  exposeHeaders: ['ETag', 'Content-Range', 'Content-Length', 'Accept-Ranges'],
  maxAge: 600,
})
app.use('/api/v1/*', (c, next) => (c.req.header('Upgrade') === undefined ? corsHeaders(c, next) : next()))

app.get('/api/v1/health', (c) => c.json({ ok: true, service: SERVICE_NAME, version: SERVICE_VERSION }))
app.route('/api/v1', socketRoutes)
app.route('/api/v1', registryRoutes)
app.route('/api/v1', blobRoutes)
app.route('/api/v1', fileRoutes)

// Hono answers unmatched routes from notFound, not onError; route it through the same renderer.
app.notFound((c) => renderError(c, new ApiError(404, ApiErrorCode.NotFound, 'no such route')))

app.onError((error, c) => renderError(c, error))

function renderError(c: Context<AppEnv>, error: Error): Response {
  if (error instanceof ApiError) {
    return c.json(error.body(), error.status)
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own 4xx (a body that is not JSON, say): the caller's mistake, in the same shape.
    return c.json({ error: { code: ApiErrorCode.InvalidRequest, message: error.message } }, error.status)
  }
  // Never the request or its headers: they may carry a credential.
  console.error(JSON.stringify({ level: 'error', message: 'unhandled route error', error: String(error) }))
  return c.json({ error: { code: ApiErrorCode.Internal, message: 'internal error' } }, 500)
}
