# The module evaluation against nixpkgs' lib alone: no nixpkgs, no NixOS. The few
# NixOS options the module defines are declared here as plain data, and `pkgs` is
# a stand-in whose packages are names with store-path-shaped outPaths; nothing is
# built. runner/test/nix runs this with
#   nix-instantiate --eval --strict --json --store dummy:// --readonly-mode \
#     --argstr libPath /path/to/nixpkgs/lib checks/module-eval-lib.nix
# (no store: a path repo's store path is computed, never written).
{
  # a nixpkgs lib directory (holding default.nix); null: <nixpkgs/lib>
  libPath ? null,
}:
let
  lib = if libPath == null then import <nixpkgs/lib> else import libPath;
  system = "x86_64-linux";

  package = name: {
    type = "derivation";
    inherit name;
    outPath = "${builtins.storeDir}/${lib.fixedWidthString 32 "0" ""}-${name}";
    meta = { };
  };

  pkgs = {
    stdenv.hostPlatform.system = system;
    formats.json =
      { }:
      {
        type = lib.types.anything;
        generate = name: _value: package name;
      };
    runCommand = name: _env: _script: package name;
    makeWrapper = package "make-wrapper-hook";
    abra = package "abra-0.11.0-beta";
    docker-client = package "docker-client-28.5.1";
    git = package "git-2.51.2";
    util-linux = package "util-linux-2.41.2";
    gnutar = package "gnutar-1.35";
    gzip = package "gzip-1.14";
    coreutils = package "coreutils-9.8";
    bash = package "bash-5.3p3";
    openssh = package "openssh-10.2p1";
  };

  # The flake as the module sees it: its source (this checkout) and its package.
  repo = toString ../.;
  self = {
    outPath = repo;
    packages.${system}.default = package "ccci-0.1.0";
  };

  # The NixOS options services.cc-ci defines into, as plain data.
  nixosOptions =
    { lib, ... }:
    let
      inherit (lib) mkOption types;
    in
    {
      options = {
        assertions = mkOption {
          type = types.listOf types.unspecified;
          default = [ ];
        };
        warnings = mkOption {
          type = types.listOf types.str;
          default = [ ];
        };
        environment.systemPackages = mkOption {
          type = types.listOf types.package;
          default = [ ];
        };
        systemd.services = mkOption {
          type = types.lazyAttrsOf types.raw;
          default = { };
        };
        systemd.timers = mkOption {
          type = types.lazyAttrsOf types.raw;
          default = { };
        };
        systemd.tmpfiles.rules = mkOption {
          type = types.listOf types.str;
          default = [ ];
        };
        # What modules/dashboard.nix sets of the nixpkgs nginx module.
        services.nginx.enable = mkOption {
          type = types.bool;
          default = false;
        };
        services.nginx.virtualHosts = mkOption {
          type = types.attrsOf types.anything;
          default = { };
        };
      };
    };

  eval =
    modules:
    (lib.evalModules {
      modules = [
        nixosOptions
        { _module.args.pkgs = pkgs; }
        (import ../modules/cc-ci.nix { inherit self; })
      ]
      ++ modules;
    }).config;
in
import ./module-eval-cases.nix {
  inherit lib eval;
  expectedRepo = repo;
}
