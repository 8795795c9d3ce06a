// Types for the converter's entry points (the converter itself is plain
// JavaScript so `npm run build:model` needs nothing but node).
export const CONVERTER_VERSION: number;
export function nanodetSource(): string | null;
export function convertModel(jsonPath: string, outPath: string): number;
export function conversionSource(outPath: string, jsonPath?: string | null): string | null;
export function ensureConvertedModel(outPath: string, jsonPath?: string | null): string;
