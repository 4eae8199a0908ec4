# The one tool set `ccci` runs with. The package's wrapper, the NixOS units' `path`
# and the `ccci` the module puts on the system PATH all take it from here, so a
# timer can never run with less than an operator's shell has (REFERENCE.md: the
# older system's timer lacked bash and git-lfs that the manual path had).
{
  pkgs,
  # The module passes its abra and Docker client options here (the VM test: the fakes).
  abra ? pkgs.abra or (pkgs.callPackage ./abra.nix { }),
  docker ? pkgs.docker-client,
}:
[
  pkgs.git
  abra
  docker
  pkgs.util-linux # script(1): a terminal for the abra commands that insist on one
  pkgs.gnutar # volume snapshots
  pkgs.gzip
  pkgs.coreutils
  pkgs.bash
  pkgs.openssh # git and abra reach remote servers over ssh
]
