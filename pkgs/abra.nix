# abra, the Co-op Cloud command line, for a nixpkgs without `pkgs.abra`.
#
# nixpkgs packages abra (pkgs/by-name/ab/abra, 0.11.0-beta) and cc-ci uses that
# package wherever it exists (pkgs/runtime-tools.nix, services.cc-ci.abraPackage).
# It was added to nixpkgs around the 25.11 branch-off, so this builds the same
# release from the same source for a nixpkgs that predates it.
{
  lib,
  buildGoModule,
  fetchFromGitea,
}:
buildGoModule (finalAttrs: {
  pname = "abra";
  version = "0.11.0-beta";

  src = fetchFromGitea {
    domain = "git.coopcloud.tech";
    owner = "toolshed";
    repo = "abra";
    rev = finalAttrs.version;
    hash = "sha256-m0x5uC6E5p3Yj/oFw37s1e0biaF8Qh3hP4d9jew8mlA=";
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
