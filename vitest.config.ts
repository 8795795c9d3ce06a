import { defineConfig } from 'vitest/config';

// Integration tests run real ffmpeg, GStreamer cameras and Chromium on a
// 2-core machine: files run one at a time so their timings stay honest.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
