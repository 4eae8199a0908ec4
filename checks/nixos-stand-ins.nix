# What the evaluations against nixpkgs' lib alone (checks/module-eval-lib.nix and
# checks/vm-test-engine-eval.nix) put in the place of NixOS: the options services.cc-ci
# defines into, declared as plain data with the types nixpkgs gives them, and the one
# function of `utils` the module takes. One file for both, so that an option the
# module starts to define into is declared for each evaluation at once. A definition
# needs its option declared even under an mkIf that is off (the dashboard's nginx).
{ lib }:
let
  inherit (lib) mkOption types;
  option =
    type: default:
    mkOption {
      inherit type default;
    };
in
{
  # An option declared with its type and default (for a caller's own stand-ins too).
  inherit option;

  module = {
    options = {
      assertions = option (types.listOf types.unspecified) [ ];
      warnings = option (types.listOf types.str) [ ];
      environment.systemPackages = option (types.listOf types.package) [ ];
      systemd.services = option (types.lazyAttrsOf types.raw) { };
      systemd.timers = option (types.lazyAttrsOf types.raw) { };
      systemd.tmpfiles.rules = option (types.listOf types.str) [ ];
      # What modules/dashboard.nix sets of the nixpkgs nginx module.
      services.nginx.enable = option types.bool false;
      services.nginx.virtualHosts = option (types.attrsOf types.anything) { };
    };
  };

  # nixos/lib/systemd-lib.nix's unitNameType, as nixpkgs defines it (the full NixOS
  # evaluation, checks/module-eval.nix, uses nixpkgs' own).
  utils.systemdUtils.lib.unitNameType = types.strMatching "[a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice)";
}
