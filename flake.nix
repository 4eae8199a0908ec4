{
  description = "cc-ci: keeps a tested, known-good canonical per Co-op Cloud recipe";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (
        _system: pkgs: rec {
          ccci = pkgs.callPackage ./pkgs/ccci.nix {
            runtimeTools = import ./pkgs/runtime-tools.nix { inherit pkgs; };
          };
          default = ccci;
        }
      );

      # services.cc-ci; `self` gives it its default `repo` (the package comes from the
      # host's own nixpkgs).
      nixosModules.default = import ./modules/cc-ci.nix { inherit self; };

      checks = forAllSystems (
        system: pkgs: {
          package = self.packages.${system}.default;
          runner-tests = pkgs.callPackage ./pkgs/runner-tests.nix {
            ccci = self.packages.${system}.default;
          };
          module-eval = import ./checks/module-eval.nix { inherit pkgs self nixpkgs; };
          vm-test = import ./checks/vm-test.nix { inherit pkgs self; };
          # The same promote and no-promote paths on a real Docker engine with the real abra.
          vm-test-engine = import ./checks/vm-test-engine.nix { inherit pkgs self; };
        }
      );

      devShells = forAllSystems (
        _system: pkgs: {
          default = pkgs.mkShell {
            packages = [
              pkgs.nodejs
              pkgs.nixfmt
            ]
            ++ import ./pkgs/runtime-tools.nix { inherit pkgs; };
          };
        }
      );

      formatter = forAllSystems (_system: pkgs: pkgs.nixfmt);
    };
}
