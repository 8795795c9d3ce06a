/**
 * Imported first by the preload: zod compiles fast object parsers with
 * `new Function` unless told not to, and it probes for that at schema
 * creation. The preload never parses (main validates), so it must never
 * evaluate strings either: the page's CSP has no 'unsafe-eval'.
 */
import { z } from 'zod';

z.config({ jitless: true });
