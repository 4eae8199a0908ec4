# The one tool set `ccci` runs with. The NixOS module passes its abra and Docker client
# options and uses the list for the units' `path` and for the `ccci` it puts on the
# system PATH; the flake's package (`nix run`) gets the defaults. So a timer can never
# run with less than an operator's shell has (REFERENCE.md: the older system's timer
# lacked bash and git-lfs that the manual path had).
{
  pkgs,
  abra ? import ./pinned-abra.nix { inherit pkgs; },
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
