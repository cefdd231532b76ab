import { z } from 'zod';
import { startListener, type Listener } from '../listener.js';
import type { Req, Res } from '../http.js';

/**
 * The optional `admin:` section of rampart.yaml: a listener of its own for the admin API, so it
 * can stay off the data-plane network. When it is set, /admin/v1 is served only there.
 */
export const AdminListenerSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535),
    /** Largest admin request body. */
    bodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  })
  .strict();

export type AdminListenerConfig = z.infer<typeof AdminListenerSchema>;

export async function startAdminListener(
  cfg: Pick<AdminListenerConfig, 'host' | 'port'>,
  handler: (req: Req, res: Res) => void,
  timeouts: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number } = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 },
): Promise<Listener> {
  return startListener({ host: cfg.host, port: cfg.port, ...timeouts }, handler);
}
