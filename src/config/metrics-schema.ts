/**
 * The `metrics` section: the ops server (/metrics, health, status, admin endpoints) and its token.
 */
import { z } from "zod";
import { count } from "./schema-fields.js";

export const metricsSchema = z
  .object({
    /** Serve /metrics, /healthz, /readyz, /status and the admin endpoint. @defaultValue true */
    enabled: z.boolean().default(true),
    /** Loopback unless configured otherwise; the admin endpoints answer local peers only. @defaultValue "127.0.0.1" */
    host: z.string().min(1).default("127.0.0.1"),
    /** 0 picks a free port (tests). @defaultValue 9464 */
    port: count(9464, 0, 65535),
    /** A unix socket (mode 0600) the ops server also listens on, such as /run/floodgate/ops.sock. @defaultValue null */
    socket: z.string().startsWith("/").nullable().default(null),
    /**
     * The token every state-changing endpoint requires (`Authorization: Bearer …`), at least 16 characters; null:
     * `adminTokenFile`, else `<state.dir>/admin-token`, generated at the first start (mode 0600). Redacted when
     * printed. @defaultValue null
     */
    adminToken: z.string().min(16).nullable().default(null),
    /** A file (owned by Floodgate's user or root, not readable by others) holding the token. @defaultValue null */
    adminTokenFile: z.string().min(1).nullable().default(null),
    /**
     * Host names an admin request's Host header may carry beside IP literals and `localhost`: anything else is
     * refused, as DNS rebinding would bring it. @defaultValue []
     */
    allowedHosts: z.array(z.string().min(1)).default([]),
  })
  .strict();
