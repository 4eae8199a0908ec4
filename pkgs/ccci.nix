# ccci: the runner in runner/, built with buildNpmPackage. Dependencies come from
# runner/package-lock.json through importNpmLock (its integrity hashes pin them),
# so there is no npmDepsHash to keep in step with the lock.
#
# The flake's packages.default (`nix run`) passes the tool set of pkgs/runtime-tools.nix
# as runtimeTools; the NixOS module builds this with none and wraps it with its own
# single tool set (pkgs/configured-ccci.nix), so a host carries one abra, not two.
#
# Besides the runner, the package installs:
# - share/ccci/fakes: the abra/docker test doubles of checks/fakes, for `ccci demo`
#   (found through CCCI_FAKES_DIR, set by the wrapper unless already set);
# - lib/node_modules/ccci/recipes: the enrolled recipe definitions, next to the
#   runner, where its default `repo` (the nearest ancestor holding recipes/) finds them.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs,
  # Put on PATH after the caller's: pkgs/runtime-tools.nix (git, abra, the Docker
  # client, script(1), tar, ...) for `nix run`; none for the NixOS module.
  runtimeTools ? [ ],
}:
let
  runner = ../runner;
  packageJson = lib.importJSON (runner + "/package.json");

  npmDeps = importNpmLock {
    package = packageJson;
    packageLock = import ./npm-lock.nix { inherit lib; } (lib.importJSON (runner + "/package-lock.json"));
  };

  # Only what the build reads: never a developer's node_modules/ or dist/.
  src = lib.fileset.toSource {
    root = runner;
    fileset = lib.fileset.unions [
      (runner + "/package.json")
      (runner + "/package-lock.json")
      (runner + "/tsconfig.json")
      (runner + "/src")
      # tsconfig.json compiles these too; the package installs only dist/src.
      (lib.fileset.maybeMissing (runner + "/test"))
      (lib.fileset.maybeMissing (runner + "/bench"))
    ];
  };

  fakes = builtins.path {
    path = ../checks/fakes;
    name = "ccci-fakes";
  };
  recipes = builtins.path {
    path = ../recipes;
    name = "ccci-recipes";
  };
in
buildNpmPackage {
  pname = packageJson.name;
  inherit (packageJson) version;
  inherit src npmDeps nodejs;
  npmConfigHook = importNpmLock.npmConfigHook;

  # --suffix, not --prefix: the tools are always there, and a PATH set up in
  # front of them wins.
  makeWrapperArgs =
    lib.optionals (runtimeTools != [ ]) [
      "--suffix"
      "PATH"
      ":"
      (lib.makeBinPath runtimeTools)
    ]
    ++ [
      "--set-default"
      "CCCI_FAKES_DIR"
      "${placeholder "out"}/share/ccci/fakes"
    ];

  postInstall = ''
    mkdir -p $out/share/ccci
    cp -r ${fakes} $out/share/ccci/fakes
    cp -r ${recipes} $out/lib/node_modules/ccci/recipes
    # Writable, so that fixupPhase can point the fakes' `#!/usr/bin/env node` at nodejs.
    chmod -R u+w $out/share/ccci/fakes $out/lib/node_modules/ccci/recipes
  '';

  passthru = {
    inherit npmDeps runtimeTools;
  };

  meta = {
    description = "cc-ci canonical sweep: keeps a tested, known-good canonical per Co-op Cloud recipe";
    license = lib.licenses.agpl3Plus;
    mainProgram = "ccci";
    platforms = lib.platforms.linux;
  };
}
