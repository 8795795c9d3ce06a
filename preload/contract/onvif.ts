/**
 * onvif operations. Empty until that part of Keepwatch lands; its schemas and
 * operations go here and are merged into the one table in preload/api.ts.
 */
export const onvifOperations = {} as const;
