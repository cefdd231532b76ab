import { startListener, type Listener } from '../listener.js';
import type { Req, Res } from '../http.js';
import type { AdminListenerConfig } from './config.js';

/** The admin API's own listener (HTTP/1.1 and h2c on one port, like the data plane's). */
export async function startAdminListener(
  cfg: Pick<AdminListenerConfig, 'host' | 'port'>,
  handler: (req: Req, res: Res) => void,
  timeouts: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number } = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 },
): Promise<Listener> {
  return startListener({ host: cfg.host, port: cfg.port, ...timeouts }, handler);
}
