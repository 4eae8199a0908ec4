// Just enough version ordering for the fake's "latest release" and "is this an upgrade":
// <major>.<minor>.<patch>[-pre][+app]; tags that do not look like that are not releases.
const RELEASE = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+(.+))?$/;

export function parseRelease(tag) {
  const m = RELEASE.exec(tag);
  if (!m) return null;
  return { tag, parts: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ?? null, app: m[5] ?? '' };
}

export function compareReleases(a, b) {
  for (let i = 0; i < 3; i++) if (a.parts[i] !== b.parts[i]) return a.parts[i] < b.parts[i] ? -1 : 1;
  if (a.pre !== b.pre) {
    if (a.pre === null) return 1;
    if (b.pre === null) return -1;
    return a.pre < b.pre ? -1 : 1;
  }
  if (a.app === b.app) return 0;
  return a.app.localeCompare(b.app, 'en', { numeric: true }) < 0 ? -1 : 1;
}

export function latestRelease(tags) {
  const releases = tags.map(parseRelease).filter((r) => r && r.pre === null);
  releases.sort(compareReleases);
  return releases.at(-1)?.tag ?? null;
}
