// A deliberate violation, linted by tools/src/module-boundaries.spec.ts and excluded everywhere else:
// an app never imports another app.
export * from '@mserve/api';
