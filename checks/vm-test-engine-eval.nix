# The NixOS VM test on the real engine (checks/vm-test-engine.nix) evaluated against
# nixpkgs' lib alone, the way checks/module-eval-lib.nix evaluates the module: no
# nixpkgs, no NixOS, nothing built. `pkgs` and the flake are the stand-ins of
# checks/vm-pkgs-stand-ins.nix (packages are names with store-path-shaped outPaths,
# `pkgs.testers.runNixOSTest` hands the test back as it was given), and the machine's
# module is evaluated with services.cc-ci imported and the few other NixOS options it
# sets declared as plain data, with the types nixpkgs gives them (those the module
# defines into in checks/nixos-stand-ins.nix, the machine's own here). What
# comes out is what runner/test/nix/vm-test-engine.test.ts checks: the test script with
# every interpolation resolved (then compiled and linted as Python there), the module's
# configuration and assertions on this machine, its abra and Docker client, the fake
# ingress unit and the fixture image's arguments. Run as
#   nix-instantiate --eval --strict --json --argstr libPath /path/to/nixpkgs/lib \
#     checks/vm-test-engine-eval.nix
# (plus `--store dummy:// --readonly-mode` where there is no store of the caller's).
{
  # a nixpkgs lib directory (holding default.nix); null: <nixpkgs/lib>
  libPath ? null,
}:
let
  lib = if libPath == null then import <nixpkgs/lib> else import libPath;
  inherit (import ./vm-pkgs-stand-ins.nix { inherit lib; }) pkgs self;

  test = import ./vm-test-engine.nix { inherit pkgs self; };

  # The NixOS options services.cc-ci defines into, and `utils` (checks/nixos-stand-ins.nix,
  # shared with checks/module-eval-lib.nix); and those the machine sets besides, with
  # nixpkgs' types (nixos/modules/virtualisation/qemu-vm.nix and docker.nix).
  standIns = import ./nixos-stand-ins.nix { inherit lib; };
  inherit (standIns) utils;
  machineOptions =
    { lib, ... }:
    let
      inherit (lib) types;
      inherit (standIns) option;
    in
    {
      options.virtualisation = {
        memorySize = option types.ints.positive 1024;
        diskSize = option (types.nullOr types.ints.positive) 1024;
        cores = option types.ints.positive 1;
        docker.enable = option types.bool false;
        docker.liveRestore = option types.bool true;
      };
    };

  machine =
    (lib.evalModules {
      modules = [
        standIns.module
        machineOptions
        { _module.args = { inherit pkgs utils; }; }
        test.nodes.machine
      ];
    }).config;

  fixtureImage = pkgs.callPackage ./engine/fixture-image.nix { };
  imageArgs = fixtureImage.buildArgs;
  sweep = machine.systemd.services.cc-ci-sweep-nightly;
  fakeIngress = machine.systemd.services.fake-ingress;
  fixture = import ./engine/fixture-recipe.nix;
in
{
  inherit (test) name testScript;
  # The machine name the driver gives the script (`machine`), and the only one.
  nodes = lib.attrNames test.nodes;
  loadsTheFixtureImage = lib.hasInfix "docker load --input ${fixtureImage}" test.testScript;
  # Every compose.yml the test commits, by its file name.
  composeFiles = lib.mapAttrs (
    _: commit: lib.hasInfix "-compose-${commit.version}.yml" test.testScript
  ) fixture.commits;

  failedAssertions = map (assertion: assertion.message) (
    lib.filter (assertion: !assertion.assertion) machine.assertions
  );
  warnings = machine.warnings;
  configuration = machine.services.cc-ci.configuration;
  abra = {
    inherit (machine.services.cc-ci.abraPackage) name version;
  };
  docker = machine.services.cc-ci.dockerPackage.name;
  sweepPath = map (tool: tool.name) sweep.path;
  virtualisation = machine.virtualisation;
  dockerEnvironment = machine.systemd.services.docker.environment;
  tmpfiles = machine.systemd.tmpfiles.rules;
  fakeIngress = {
    inherit (fakeIngress) wantedBy environment;
    inherit (fakeIngress.serviceConfig) ExecStart DynamicUser StateDirectory;
  };
  # The fake ingress's source: the repository's checks/fakes, copied whole.
  fakesSource = toString (
    builtins.path {
      path = ./fakes;
      name = "ccci-fakes";
    }
  );

  image = {
    inherit (imageArgs) name tag config extraCommands;
    rootScript = imageArgs.copyToRoot.script;
  };
  fixtureApp = "${./engine/fixture-app}";
}
