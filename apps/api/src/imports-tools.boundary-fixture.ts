// A deliberate violation, linted by tools/src/module-boundaries.spec.ts and excluded everywhere else:
// an app's production code never imports tools (only its tests may).
export { loadMnistSplit } from '@mserve/tools/datasets';
