import { z } from 'zod';

/**
 * The optional `admin:` section of rampart.yaml: a listener of its own for the admin API, so it
 * can stay off the data-plane network. When it is set, /admin/v1 is served only there.
 * (Kept free of server imports: src/config/schema.ts includes it.)
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
