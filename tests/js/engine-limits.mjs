// The engine's limits as src/web/limits.rs `limits()` exports them, for the node tests that build
// a State without loading the wasm module. tests/e2e/safety.test.mjs checks that the real export
// is exactly this.

export const STEPPER_SETTINGS = {
  defaults: { op: "conv", height: 7, width: 7, channels: 1, filters: 1, filter: 3, stride: 1, pad: 0, seed: 231, backward: false },
  lecture: { op: "conv", height: 32, width: 32, channels: 3, filters: 6, filter: 5, stride: 1, pad: 0, seed: 231, backward: false },
  limits: { maxSide: 32, maxFilter: 7, maxStride: 6, maxPad: 3, maxChannels: 3, maxFilters: 6, maxSteps: 38 * 38 * 6 },
};

export const ENGINE_LIMITS = {
  maxShapes: 20000, minShapesSide: 8, maxShapesSide: 128, maxDatasetSide: 256, minClasses: 2,
  maxClasses: 10, maxImageSide: 4096, maxParameters: 50000000, budgetBytes: 2 ** 30,
  maxFilterPixels: 4096 * 4096, maxKernel: 9, stepper: STEPPER_SETTINGS,
};
