// Re-exports shared by the per-op oracles.
export * from './cast.js';
export { numel } from './copy.js';
