# ccci-fixture:1, the engine tier's fixture image, for the NixOS VM test on the real engine
# (checks/vm-test-engine.nix): what checks/engine/up makes with `docker import` on
# Debian, here with dockerTools from nixpkgs' busybox. Loaded into the VM's engine with
# `docker load`, never pulled.
#
# One layer: /bin with every busybox applet (checks/engine/fixture-app runs sh, httpd,
# md5sum, cut, test, touch, sleep, cp, kill, mkdir, printf and echo, and its healthcheck
# runs `test` with no shell) linked to busybox, busybox's closure (it is linked against
# glibc; buildImage adds what the layer refers to), a world-writable sticky /tmp (the
# app's web root and readiness file) and the app at /fixture-app, started as
# `/bin/sh /fixture-app` with PATH=/bin, as up sets them.
{
  lib,
  dockerTools,
  runCommand,
  busybox,
}:
let
  # What fixture-app and its healthcheck call.
  requiredApplets = [
    "sh"
    "httpd"
    "md5sum"
    "cut"
    "test"
    "touch"
    "sleep"
    "cp"
    "kill"
    "mkdir"
    "printf"
    "echo"
  ];

  # busybox installs its applets' links in bin/ and sbin/ (httpd is one of sbin's); the
  # app's PATH is /bin alone, so all of them go there.
  root = runCommand "ccci-fixture-root" { } ''
    mkdir -p $out/bin
    for dir in ${busybox}/bin ${busybox}/sbin; do
      [ -d "$dir" ] || continue
      for applet in "$dir"/*; do
        ln -s "$applet" "$out/bin/$(basename "$applet")"
      done
    done
    for applet in ${lib.escapeShellArgs requiredApplets}; do
      if [ ! -e "$out/bin/$applet" ]; then
        echo "ccci-fixture: busybox has no $applet applet, which checks/engine/fixture-app needs" >&2
        exit 1
      fi
    done
  '';
in
dockerTools.buildImage {
  name = "ccci-fixture";
  tag = "1";
  copyToRoot = root;
  extraCommands = ''
    mkdir -m 1777 tmp
    install -m 0755 ${./fixture-app} fixture-app
  '';
  config = {
    Entrypoint = [
      "/bin/sh"
      "/fixture-app"
    ];
    Env = [ "PATH=/bin" ];
  };
}
