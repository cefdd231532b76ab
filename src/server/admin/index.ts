/** The admin API (/admin/v1): router, OpenAPI document, built-in routes and the optional listener. */
export { createAdminRouter, ADMIN_PREFIX, type AdminRouter, type AdminRouterDeps } from './router.js';
export { buildOpenApi } from './openapi.js';
export { coreAdminRoutes, type CoreAdminDeps } from './routes/index.js';
export { AdminListenerSchema, type AdminListenerConfig } from './config.js';
export { startAdminListener } from './listener.js';
export type { AdminRoute, AdminRequest, AdminResult } from './types.js';
