# The abra cc-ci runs: the release of pkgs/abra-pin.json, which the engine tier tests.
# nixpkgs' own `abra` when it is that release (no build of ours then), else the same
# release built by pkgs/abra.nix. A nixpkgs abra of another version is never taken:
# cc-ci would then run an abra nothing tested.
{ pkgs }:
let
  pin = pkgs.lib.importJSON ./abra-pin.json;
in
if (pkgs.abra.version or null) == pin.version then pkgs.abra else pkgs.callPackage ./abra.nix { }
