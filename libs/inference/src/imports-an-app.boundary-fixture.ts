// A deliberate violation, linted by tools/src/module-boundaries.spec.ts and excluded everywhere else:
// a lib importing an app must fail lint.
export * from '@mserve/api';
