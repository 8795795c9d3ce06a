/**
 * electron-vite's `?asset` import in the main process: a file under
 * `resources/` imported as its path at run time (`main/electron/icons.ts`).
 * Declared here rather than through `electron-vite/node`, whose other
 * declarations (an augmented NodeJS.ProcessEnv) would leak into the engine's types.
 */
declare module '*?asset' {
  const path: string;
  export default path;
}
