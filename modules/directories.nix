# What makes a directory unfit to be one of cc-ci's: shared by the module's own
# directories and the metrics file's (modules/cc-ci.nix) and the dashboard's
# (modules/dashboard.nix).
{ lib }:
let
  # Directories other services and users share. The module makes cc-ci's own
  # directories root's alone (StateDirectory= or CacheDirectory= with mode 0700, or a
  # tmpfiles `d` rule, which also chmods a directory that already exists): one of
  # these would lock everything else out of it; the metrics and dashboard directories
  # are made 0755, which would open it up.
  systemDirectories = [
    "/etc/nixos"
    "/etc/ssh"
    "/etc/systemd"
    "/nix/store"
    "/nix/var"
    "/root/.ssh"
    "/run/booted-system"
    "/run/current-system"
    "/run/systemd"
    "/run/user"
    "/run/wrappers"
    "/usr/bin"
    "/usr/lib"
    "/usr/libexec"
    "/usr/local"
    "/usr/sbin"
    "/usr/share"
    "/var/cache"
    "/var/cache/private"
    "/var/db"
    "/var/empty"
    "/var/lib"
    "/var/lib/docker"
    "/var/lib/nixos"
    "/var/lib/private"
    "/var/lib/systemd"
    "/var/lock"
    "/var/log"
    "/var/log/private"
    "/var/mail"
    "/var/run"
    "/var/spool"
    "/var/tmp"
  ];

  # What the sweep's units cannot write: ProtectSystem=full mounts /usr, /boot, /efi
  # and /etc read-only for them, and the Nix store is read-only for everyone.
  readOnlyRoots = [
    "/boot"
    "/efi"
    "/etc"
    "/nix/store"
    "/usr"
  ];
in
rec {
  # Whether `path` is `dir` or inside it (both absolute, written plainly).
  inside = dir: path: path == dir || lib.hasPrefix (lib.removeSuffix "/" dir + "/") path;

  # Why `dir` (an absolute path) cannot be one of cc-ci's directories, or null.
  directoryProblem =
    dir:
    let
      components = lib.tail (lib.splitString "/" dir);
    in
    if lib.length components < 2 then
      "/ or a top-level directory"
    else if lib.any (component: lib.elem component [ "" "." ".." ]) components then
      "not written plainly (no trailing '/', '//', '.' or '..')"
    else if lib.elem dir systemDirectories then
      "a system directory, shared with the rest of the machine"
    else
      null;

  # Why the sweep's units could not write in `dir`, or null.
  readOnlyProblem =
    dir:
    let
      root = lib.findFirst (root: inside root dir) null readOnlyRoots;
    in
    if root == null then
      null
    else
      "under ${root}, which the sweep's units see read-only (ProtectSystem=full, or the Nix store): nothing could be written there";
}
