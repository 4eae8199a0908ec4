# The module evaluation as a flake check: every case of module-eval-cases.nix
# through a full NixOS evaluation with this flake's nixpkgs. Nothing is built but a
# report: the build fails, listing them, when any expectation does not hold.
{
  pkgs,
  self,
  nixpkgs,
}:
let
  inherit (pkgs) lib;
  system = pkgs.stdenv.hostPlatform.system;

  evaluation =
    modules:
    nixpkgs.lib.nixosSystem {
      modules = [
        self.nixosModules.default
        {
          nixpkgs.hostPlatform = system;
          boot.loader.grub.enable = false;
          fileSystems."/" = {
            device = "none";
            fsType = "tmpfs";
          };
          system.stateVersion = "25.11";
        }
      ]
      ++ modules;
    };

  evaluated = import ./module-eval-cases.nix {
    inherit lib;
    module = self.nixosModules.default;
    eval = modules: (evaluation modules).config;
    evalOptions = modules: (evaluation modules).options;
    # Never built: the cases only read its name.
    fakePackage = name: pkgs.runCommand name { } "mkdir $out";
    expectedRepo = toString self;
  };

  # Plain text: the report must not make the check depend on what it names.
  report = builtins.unsafeDiscardStringContext (builtins.toJSON {
    inherit (evaluated) failures results;
  });
in
pkgs.runCommand "cc-ci-module-eval"
  {
    inherit report;
    passAsFile = [ "report" ];
    nativeBuildInputs = [ pkgs.jq ];
  }
  ''
    if ! jq -e '.failures == []' "$reportPath" > /dev/null; then
      echo "services.cc-ci evaluation: expectations that do not hold:" >&2
      jq -r '.failures[]' "$reportPath" >&2
      exit 1
    fi
    jq . "$reportPath" > $out
  ''
