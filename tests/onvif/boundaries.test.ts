/**
 * Rules for the ONVIF engine folder that a reader cannot check at a glance:
 * it runs in plain Node (no electron), and it never logs — so credentials
 * cannot end up in a log by accident.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const folder = join(import.meta.dirname, '../../main/engine/onvif');
const sources = readdirSync(folder)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: readFileSync(join(folder, name), 'utf8') }));

describe('main/engine/onvif', () => {
  it('imports no electron and no shell', () => {
    for (const { name, text } of sources) {
      expect(text, name).not.toMatch(/from ['"]electron['"]|require\(['"]electron['"]\)|child_process/);
    }
  });

  it('does not log', () => {
    for (const { name, text } of sources) expect(text, name).not.toMatch(/console\.|process\.std(out|err)/);
  });

  it('does not use the onvif npm package (see docs/onvif.md)', () => {
    for (const { name, text } of sources) expect(text, name).not.toMatch(/from ['"]onvif['"]|require\(['"]onvif['"]\)/);
  });
});
