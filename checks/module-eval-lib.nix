# The module evaluation against nixpkgs' lib alone: no nixpkgs, no NixOS. The few
# NixOS options the module defines are declared as plain data and `utils` has the one
# function the module takes from it (both in checks/nixos-stand-ins.nix, shared with
# the engine VM test's evaluation), and `pkgs` is the VM tests' stand-in
# (checks/vm-pkgs-stand-ins.nix), whose packages are names with store-path-shaped
# outPaths: its `callPackage` applies cc-ci's own pkgs/*.nix to stand-ins of the
# builders, so their arguments and the versions they read are evaluated, and nothing
# is built. runner/test/nix runs this with
#   nix-instantiate --eval --strict --json --argstr libPath /path/to/nixpkgs/lib \
#     checks/module-eval-lib.nix
# (plus `--store dummy:// --readonly-mode` where there is no store of the caller's).
{
  # a nixpkgs lib directory (holding default.nix); null: <nixpkgs/lib>
  libPath ? null,
}:
let
  lib = if libPath == null then import <nixpkgs/lib> else import libPath;
  # The packages stand-ins of the VM tests' evaluations, with `extra` ones (a
  # nixpkgs abra) that their `callPackage` sees too.
  pkgsWith = extra: (import ./vm-pkgs-stand-ins.nix { inherit lib extra; }).pkgs;
  inherit (import ./vm-pkgs-stand-ins.nix { inherit lib; }) package;

  # The nixpkgs this likely is (no abra at the locked nixos-25.11, pkgs/abra.nix).
  pkgs = pkgsWith { };

  # The flake as the module sees it: its source (this checkout).
  repo = toString ../.;
  self = {
    outPath = repo;
  };
  module = import ../modules/cc-ci.nix { inherit self; };

  # The NixOS options services.cc-ci defines into, and `utils`.
  standIns = import ./nixos-stand-ins.nix { inherit lib; };
  inherit (standIns) utils;

  evaluation =
    pkgs: modules:
    lib.evalModules {
      modules = [
        standIns.module
        { _module.args = { inherit pkgs utils; }; }
        module
      ]
      ++ modules;
    };

  shared = import ./module-eval-cases.nix {
    inherit lib module;
    eval = modules: (evaluation pkgs modules).config;
    evalOptions = modules: (evaluation pkgs modules).options;
    fakePackage = name: package name { };
    expectedRepo = repo;
  };

  # -- what only a stand-in pkgs can show: the abra default against nixpkgs' abra ----

  pin = lib.importJSON ../pkgs/abra-pin.json;
  abraOf = pkgs: (evaluation pkgs [ { services.cc-ci.enable = true; } ]).config.services.cc-ci.abraPackage;
  nixpkgsAbra =
    version:
    package "abra-${version}" {
      inherit version;
      fromNixpkgs = true;
    };
  abraResults = {
    withoutNixpkgsAbra = abraOf pkgs;
    nixpkgsHasThePin = abraOf (pkgsWith { abra = nixpkgsAbra pin.version; });
    nixpkgsHasAnother = abraOf (pkgsWith { abra = nixpkgsAbra "0.12.0-beta"; });
  };
  abraSummary = lib.mapAttrs (_: abra: {
    inherit (abra) name version;
    fromNixpkgs = abra.fromNixpkgs or false;
  }) abraResults;
  abraFailures = lib.concatLists [
    (lib.optional (abraSummary.withoutNixpkgsAbra != {
      name = "abra-${pin.version}";
      inherit (pin) version;
      fromNixpkgs = false;
    }) "abra: without pkgs.abra, cc-ci's build of the pinned release: ${builtins.toJSON abraSummary.withoutNixpkgsAbra}")
    (lib.optional (
      !abraSummary.nixpkgsHasThePin.fromNixpkgs
    ) "abra: nixpkgs' abra of the pinned release is used as it is: ${builtins.toJSON abraSummary.nixpkgsHasThePin}")
    (lib.optional (
      abraSummary.nixpkgsHasAnother.fromNixpkgs || abraSummary.nixpkgsHasAnother.version != pin.version
    ) "abra: nixpkgs' abra of another release is not taken: ${builtins.toJSON abraSummary.nixpkgsHasAnother}")
    (lib.optional (
      abraResults.withoutNixpkgsAbra.src.rev != pin.src.rev || abraResults.withoutNixpkgsAbra.src.hash != pin.src.hash
    ) "abra: pkgs/abra.nix builds the source pkgs/abra-pin.json names")
  ];
in
shared
// {
  failures = shared.failures ++ abraFailures;
  abra = abraSummary;
}
