# The `ccci` the NixOS module installs: the package, with the machine's tool set
# first on PATH and the module's configuration file as CCCI_CONFIG. The timer
# units run this very executable, so the system PATH `ccci` and the sweeps can
# never differ in tools or configuration. `--config FILE` still takes precedence.
{
  lib,
  runCommand,
  makeWrapper,
}:
{
  # the ccci package (packages.default of the flake, or any package with bin/ccci)
  package,
  # pkgs/runtime-tools.nix with the module's abra and Docker client
  tools,
  # the JSON configuration the module writes
  configFile,
}:
runCommand "ccci-configured"
  {
    nativeBuildInputs = [ makeWrapper ];
    passthru = {
      inherit package tools configFile;
    };
    meta = {
      description = "ccci with the tool set and configuration of services.cc-ci";
      mainProgram = "ccci";
    };
  }
  ''
    makeWrapper ${lib.getExe' package "ccci"} $out/bin/ccci \
      --prefix PATH : ${lib.escapeShellArg (lib.makeBinPath tools)} \
      --set CCCI_CONFIG ${lib.escapeShellArg "${configFile}"}
  ''
