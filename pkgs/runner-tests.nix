# The runner's own test suite (`npm test` in runner/) as a flake check.
#
# The tests run against the repository, not only runner/: they execute the test
# doubles of checks/fakes, read the VM test's definitions in checks/vm-repo and the
# enrolled ones in recipes/, and the nix tests parse every .nix file and evaluate the
# NixOS module against this nixpkgs' lib (with a Nix of its own, in a private store,
# as nixpkgs' lib tests do) and lint both VM tests' scripts with Python and pyflakes,
# so none of them is skipped here.
#
# The build sandbox has no /usr/bin/env: the doubles' `#!/usr/bin/env node` lines are
# patched in this copy of the source (the tests' own sandbox also starts them through
# the running Node.js, runner/src/demo/launchable-fakes.ts).
{
  lib,
  stdenv,
  nodejs,
  importNpmLock,
  nix,
  path,
  git,
  util-linux,
  gnutar,
  gzip,
  coreutils,
  bash,
  openssh,
  python3,
  # the package, for its npmDeps
  ccci,
}:
let
  root = ../.;
in
stdenv.mkDerivation {
  pname = "ccci-tests";
  inherit (ccci) version;

  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.unions [
      (root + "/flake.nix")
      (lib.fileset.maybeMissing (root + "/flake.lock"))
      # runner/test/cli/readme.test.ts checks the README's command list against --help.
      (root + "/README.md")
      (root + "/runner/package.json")
      (root + "/runner/package-lock.json")
      (root + "/runner/tsconfig.json")
      (root + "/runner/src")
      (root + "/runner/test")
      (lib.fileset.maybeMissing (root + "/runner/bench"))
      (root + "/checks")
      (root + "/recipes")
      (root + "/modules")
      (root + "/pkgs")
    ];
  };

  postPatch = ''
    patchShebangs --build checks/fakes/bin
  '';

  inherit (ccci) npmDeps;
  # importNpmLock's hook installs node_modules here (it pushd's into $npmRoot).
  npmRoot = "runner";

  nativeBuildInputs = [
    nodejs
    importNpmLock.npmConfigHook
    nix
    git
    util-linux
    gnutar
    gzip
    coreutils
    bash
    openssh
    # The VM tests' scripts are compiled and linted with pyflakes, as the driver lints them.
    (python3.withPackages (ps: [ ps.pyflakes ]))
  ];

  env = {
    # Tests commit to throwaway repositories.
    GIT_AUTHOR_NAME = "cc-ci tests";
    GIT_AUTHOR_EMAIL = "tests@cc-ci.invalid";
    GIT_COMMITTER_NAME = "cc-ci tests";
    GIT_COMMITTER_EMAIL = "tests@cc-ci.invalid";
    # runner/test/nix evaluates the module against this lib.
    NIXPKGS_LIB = "${path}/lib";
  };

  buildPhase = ''
    runHook preBuild

    # A private Nix store and state for nix-instantiate (as nixpkgs' lib tests do),
    # outside the source tree the tests walk. With NIX_STORE_DIR set the nix tests
    # use this store rather than `--store dummy://` (runner/test/nix/nix-tools.ts).
    export TEST_ROOT=$NIX_BUILD_TOP/nix-test-root
    export NIX_BUILD_HOOK=
    export NIX_CONF_DIR=$TEST_ROOT/etc
    export NIX_LOCALSTATE_DIR=$TEST_ROOT/var
    export NIX_LOG_DIR=$TEST_ROOT/var/log/nix
    export NIX_STATE_DIR=$TEST_ROOT/var/nix
    export NIX_STORE_DIR=$TEST_ROOT/store
    export PAGER=cat
    nix-store --init

    pushd runner
    npm test
    popd

    runHook postBuild
  '';

  installPhase = ''
    runHook preInstall
    mkdir -p $out
    echo "runner tests passed" > $out/result
    runHook postInstall
  '';
}
