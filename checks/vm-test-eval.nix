# The NixOS VM test on the test doubles (checks/vm-test.nix) evaluated against nixpkgs'
# lib alone, with the stand-ins of checks/vm-pkgs-stand-ins.nix: no nixpkgs, no NixOS,
# nothing built. What comes out is what runner/test/nix/vm-test.test.ts checks: the
# test script with every interpolation resolved, to be compiled and linted as Python
# the way the NixOS test driver lints it before it boots anything, and the machines it
# declares. Run as
#   nix-instantiate --eval --strict --json --argstr libPath /path/to/nixpkgs/lib \
#     checks/vm-test-eval.nix
# (plus `--store dummy:// --readonly-mode` where there is no store of the caller's).
{
  # a nixpkgs lib directory (holding default.nix); null: <nixpkgs/lib>
  libPath ? null,
}:
let
  lib = if libPath == null then import <nixpkgs/lib> else import libPath;
  inherit (import ./vm-pkgs-stand-ins.nix { inherit lib; }) pkgs self;

  test = import ./vm-test.nix { inherit pkgs self; };
in
{
  inherit (test) name testScript;
  # The machine names the driver gives the script.
  nodes = lib.attrNames test.nodes;
}
