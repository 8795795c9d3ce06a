/**
 * LAN viewing over TLS (docs/lan.md): off by default; when the owner turns
 * it on, the chosen interfaces are served over HTTPS with a certificate
 * Keepwatch makes at first use (or one the owner supplies), plain HTTP on
 * those interfaces redirects to HTTPS, and HSTS is sent. No relay, nothing
 * outbound.
 */
import { z } from 'zod';
import { NoInput } from './core.ts';

export const Port = z.coerce.number().int().min(1, 'port must be 1–65535').max(65535, 'port must be 1–65535');

export const LanInterface = z.object({
  /** The OS's name for it (eth0, en0, "Ethernet 2"). */
  name: z.string(),
  address: z.string(),
  family: z.enum(['IPv4', 'IPv6']),
});
export type LanInterface = z.infer<typeof LanInterface>;

export const LanState = z.object({
  enabled: z.boolean(),
  /** The addresses served over HTTPS (chosen by the owner among `available`). */
  addresses: z.array(z.string()),
  /** Extra host names a browser may use (e.g. "nvr.home.arpa"); also in the certificate. */
  names: z.array(z.string()),
  httpsPort: Port,
  /** Plain HTTP on the same addresses only redirects to HTTPS; null = not served. */
  httpPort: Port.nullable(),
  /** The interfaces this machine has now (loopback excluded). */
  available: z.array(LanInterface),
  /** The URLs to open on another device. */
  urls: z.array(z.string()),
  certificate: z
    .object({
      /** generated: made by Keepwatch; supplied: the owner's own files. */
      source: z.enum(['generated', 'supplied']),
      /** SHA-256 of the DER certificate, "AB:CD:…", to compare in the browser. */
      fingerprint: z.string(),
      subjectAltNames: z.array(z.string()),
      notAfter: z.number(),
    })
    .nullable(),
  /** Why serving failed (address gone, port taken), or null. */
  problem: z.string().nullable(),
});
export type LanState = z.infer<typeof LanState>;

const HostName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'not a valid host name');

export const UpdateLanInput = z
  .object({
    enabled: z.boolean().optional(),
    addresses: z.array(z.string().max(64)).max(32).optional(),
    names: z.array(HostName).max(16).optional(),
    httpsPort: Port.optional(),
    httpPort: Port.nullable().optional(),
    /** PEM files the owner supplies; both null goes back to the generated certificate. */
    certificatePem: z.string().max(64 * 1024).nullable().optional(),
    keyPem: z.string().max(64 * 1024).nullable().optional(),
  })
  .strict();
export type UpdateLanInput = z.input<typeof UpdateLanInput>;


export const lanOperations = {
  getLan: { input: NoInput, output: LanState },
  updateLan: { input: UpdateLanInput, output: LanState },
} as const;
