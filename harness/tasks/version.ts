// The version of the downstream tasks, recorded in the lock. Bump it with any change that alters what a model
// scores on the same items (how an item is scored or aggregated); a change to the items themselves also shows
// in the items' hash (hashing.ts), and a change that alters neither (comments, refactors) needs no bump and
// re-locks nothing. The zoo lock test re-runs a subset, which catches a forgotten bump on the items it covers.
export const TASKS_VERSION = '1';
