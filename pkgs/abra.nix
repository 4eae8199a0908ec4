# abra, the Co-op Cloud command line: the release cc-ci pins (pkgs/abra-pin.json, the
# one place its version is recorded; the engine tier tests against the same file),
# built from that release's source.
#
# Is there a `pkgs.abra` at the locked nixos-25.11 revision (flake.lock, 3ceaaa8b)?
# Not as far as could be found, and cc-ci does not rely on it either way:
# - nixpkgs' file index holds pkgs/by-name/ab/abra/package.nix (abra 0.11.0-beta, the
#   same source and hash as here) only at commit a037d334, not at 3ceaaa8b; the pull
#   request adding it, NixOS/nixpkgs#441439 "abra: init at 0.11.0-beta" (opened
#   2025-09-09), is open in the stored thread;
# - listings of pkgs/by-name/ab/ of nixpkgs mirrors taken after the 25.11 branch-off
#   go from abpoa straight to abracadabra: no abra.
# On a machine with Nix, `nix eval github:NixOS/nixpkgs/<rev>#abra.version` answers it
# for any revision. pkgs/pinned-abra.nix takes nixpkgs' abra only when it is the
# pinned release, and this package otherwise, so the abra cc-ci runs never drifts
# from the one the engine tier tests.
{
  lib,
  buildGoModule,
  fetchFromGitea,
}:
let
  pin = lib.importJSON ./abra-pin.json;
in
buildGoModule (finalAttrs: {
  pname = "abra";
  inherit (pin) version;

  src = fetchFromGitea {
    inherit (pin.src)
      domain
      owner
      repo
      rev
      hash
      ;
  };

  # The repository vendors its Go modules.
  vendorHash = null;

  subPackages = [ "cmd/abra" ];

  ldflags = [
    "-s"
    "-w"
    "-X main.Version=${finalAttrs.version}"
  ];

  meta = {
    description = "Command-line tool for Co-op Cloud";
    homepage = "https://docs.coopcloud.tech/abra";
    license = lib.licenses.gpl3Plus;
    mainProgram = "abra";
    platforms = lib.platforms.unix;
  };
})
