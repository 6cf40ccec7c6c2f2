// A deliberate violation, linted by tools/src/module-boundaries.spec.ts and excluded everywhere else:
// inference imports no other lib.
export { buildModelSchema } from '@mserve/schema';
