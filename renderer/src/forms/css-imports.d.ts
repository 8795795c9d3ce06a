// Vite bundles plain CSS imported for its side effect (`import './forms.css'`).
// The web tsconfig loads no Vite client types, so tell TypeScript these imports exist.
// (Ambient declarations merge, so another folder declaring the same is harmless.)
declare module '*.css';
