# The packages and the flake that the VM tests (checks/vm-test.nix and
# checks/vm-test-engine.nix) are evaluated with against nixpkgs' lib alone
# (checks/vm-test-eval.nix, checks/vm-test-engine-eval.nix): packages are names with
# store-path-shaped outPaths, `callPackage` applies cc-ci's own files to stand-ins of
# the builders, `testers.runNixOSTest` hands the test back as it was given, and the
# flake is this checkout with its NixOS module. Nothing is built. The module's own
# evaluation (checks/module-eval-lib.nix) uses the same packages, with `extra` ones
# (a nixpkgs abra) that `callPackage` sees too.
{
  lib,
  # packages added to (or replacing) the stand-ins, as an overlay would
  extra ? { },
}:
let
  system = "x86_64-linux";

  package =
    name: attrs:
    {
      type = "derivation";
      inherit name;
      outPath = "${builtins.storeDir}/${lib.fixedWidthString 32 "0" ""}-${name}";
      meta = { };
    }
    // attrs;

  pkgs = {
    inherit lib;
    stdenv.hostPlatform.system = system;
    formats.json =
      { }:
      {
        type = lib.types.anything;
        generate = name: _value: package name { };
      };
    runCommand = name: env: script: package name ((env.passthru or { }) // { inherit script; });
    writeText = name: text: package name { inherit text; };
    makeWrapper = package "make-wrapper-hook" { };
    docker-client = package "docker-client-28.5.1" { meta.mainProgram = "docker"; };
    git = package "git-2.51.2" { };
    util-linux = package "util-linux-2.41.2" { };
    gnutar = package "gnutar-1.35" { };
    gzip = package "gzip-1.14" { };
    coreutils = package "coreutils-9.8" { };
    bash = package "bash-5.3p3" { };
    openssh = package "openssh-10.2p1" { };
    nodejs = package "nodejs-22.21.1" { meta.mainProgram = "node"; };
    busybox = package "busybox-1.37.0" { };

    buildNpmPackage =
      attrs: package "${attrs.pname}-${attrs.version}" ({ inherit (attrs) makeWrapperArgs; } // attrs.passthru or { });
    importNpmLock = {
      __functor = _: _args: package "npm-deps" { };
      npmConfigHook = package "npm-config-hook" { };
    };
    # No pkgs.abra here (as at the locked nixos-25.11): pkgs/pinned-abra.nix builds its own.
    buildGoModule =
      f:
      let
        attrs = if lib.isFunction f then f attrs else f;
      in
      package "${attrs.pname}-${attrs.version}" {
        inherit (attrs) src version;
        meta.mainProgram = attrs.meta.mainProgram;
      };
    fetchFromGitea = attrs: attrs;
    dockerTools.buildImage =
      args:
      package "docker-image-${args.name}.tar.gz" {
        passthru.buildArgs = args;
        buildArgs = args;
      };

    # The test module itself: the caller reads its nodes and testScript.
    testers.runNixOSTest = test: test;

    callPackage =
      fn: overrides:
      let
        f = if lib.isFunction fn then fn else import fn;
      in
      f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // overrides);
  }
  // extra;

  self = {
    outPath = toString ../.;
    nixosModules.default = import ../modules/cc-ci.nix { inherit self; };
  };
in
{
  inherit package pkgs self;
}
