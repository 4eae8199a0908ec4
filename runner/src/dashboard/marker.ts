// The file that marks a directory as a ccci dashboard (publish.ts claims it). Alone here so
// that the cleanup after a crash (sweep/leftovers.ts) can tell a dashboard directory of
// ours without loading the dashboard's code.
export const MARKER = '.ccci-dashboard';
