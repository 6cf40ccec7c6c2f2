/** What every recipe returns: the data (kept even when some fields failed) and each error's code. */
export interface Outcome {
  data: Record<string, unknown> | null | undefined;
  errors: Array<{ message: string; code: unknown }>;
}
