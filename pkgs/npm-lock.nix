# package-lock.json as importNpmLock needs it.
#
# importNpmLock fetches a dependency only when its lock entry has a `resolved`
# URL, but npm leaves that URL out of registry packages when it runs with
# `omit-lockfile-registry-resolved` (as it does where runner/ was locked). For
# such an entry the registry's tarball URL is a function of name and version, and
# the entry's `integrity` pins the content, so the URL is filled in here instead
# of depending on how the lock file happened to be written. Entries that already
# carry a URL, links and bundled packages are left exactly as they are.
{ lib }:
let
  registry = "https://registry.npmjs.org";

  # "node_modules/a/node_modules/@scope/b" -> "@scope/b"; an alias entry names
  # the real package in `name`.
  packageName = key: entry: entry.name or (lib.last (lib.splitString "node_modules/" key));

  # https://registry.npmjs.org/@scope/b/-/b-1.2.3.tgz
  tarballUrl =
    name: version: "${registry}/${name}/-/${lib.last (lib.splitString "/" name)}-${version}.tgz";

  needsUrl =
    key: entry:
    key != ""
    && !(entry ? resolved)
    && !(entry.link or false)
    && !(entry.inBundle or false)
    && entry ? version
    && entry ? integrity;
in
lock:
lock
// {
  packages = lib.mapAttrs (
    key: entry:
    if needsUrl key entry then
      entry // { resolved = tarballUrl (packageName key entry) entry.version; }
    else
      entry
  ) lock.packages;
}
