# services.cc-ci: the nightly and weekly canonical sweeps of cc-ci.
#
# The flake exports this as nixosModules.default, applied to the flake itself: `self`
# supplies the default `repo` (the flake's own source, holding recipes/). The default
# package is built from the host's own nixpkgs (pkgs/ccci.nix). Outside the flake:
#   imports = [ (import ./modules/cc-ci.nix { self = null; }) ];
# and set services.cc-ci.repo.
{ self }:
{
  config,
  lib,
  options,
  pkgs,
  utils,
  ...
}:
let
  inherit (lib)
    literalExpression
    literalMD
    mkEnableOption
    mkIf
    mkOption
    mkPackageOption
    types
    ;

  cfg = config.services.cc-ci;
  abraPin = lib.importJSON ../pkgs/abra-pin.json;

  # The recipes shipped in recipes/ next to this module: the default enrollment.
  # Test fixtures (checks/vm-repo for the VM test) are never here.
  shippedRecipes = lib.attrNames (
    lib.filterAttrs (_: type: type == "directory") (builtins.readDir ../recipes)
  );

  recipeNamePattern = "[a-z0-9][a-z0-9_-]{0,63}";
  envNamePattern = "[A-Za-z_][A-Za-z0-9_]*";
  urlPattern = "(https?|file|ssh)://[^[:space:]]+";
  ingressPattern = "(https?://)?([A-Za-z0-9.-]+|[[][0-9a-fA-F:]+[]]):[0-9]{1,5}";
  # As the runner checks them (runner/src/core/names.ts, runner/src/config/config.ts):
  # a server name is one path component of ABRA_DIR/servers/, a domain lowercase.
  serverNamePattern = "[A-Za-z0-9]([A-Za-z0-9._-]{0,252}[A-Za-z0-9])?";
  domainPattern = "([a-z0-9]([a-z0-9-]*[a-z0-9])?[.])*[a-z0-9]([a-z0-9-]*[a-z0-9])?";

  enrolled = lib.filterAttrs (_: recipe: recipe.enable) cfg.recipes;

  # -- directories -------------------------------------------------------------

  # What makes a directory unfit to be one of cc-ci's (modules/directories.nix).
  inherit (import ./directories.nix { inherit lib; }) directoryProblem readOnlyProblem inside;

  ownDirectories = {
    inherit (cfg) stateDir runsDir cacheDir;
  };

  directoryAssertions =
    lib.mapAttrsToList (
      name: dir:
      let
        problem = directoryProblem dir;
      in
      {
        assertion = problem == null;
        message = ''
          services.cc-ci.${name} is ${dir}: ${toString problem}. The module makes it
          root's alone (mode 0700), which would lock every other service and user out
          of it. Give cc-ci a directory of its own, such as the default ${
            options.services.cc-ci.${name}.default
          }.
        '';
      }
    ) ownDirectories
    # Where the sweep writes (abra too, in ABRA_DIR's servers/), it must be able to.
    ++ lib.mapAttrsToList (
      name: dir:
      let
        problem = if directoryProblem dir == null then readOnlyProblem dir else null;
      in
      {
        assertion = problem == null;
        message = ''
          services.cc-ci.${name} is ${dir}: ${toString problem}. Choose a directory
          under /var or /srv, such as the default ${options.services.cc-ci.${name}.default}.
        '';
      }
    ) (ownDirectories // { inherit (cfg) abraDir; });

  # node_exporter's textfile collector reads the metrics file as its own user: its
  # directory is made world-readable (0755, a tmpfiles rule), so it must be one of
  # its own, and never inside a directory only root can enter.
  metricsDirectory = if cfg.metricsFile == null then null else dirOf cfg.metricsFile;
  metricsProblem =
    if cfg.metricsFile == null then
      null
    else if directoryProblem cfg.metricsFile == "not written plainly (no trailing '/', '//', '.' or '..')" then
      "not written plainly (no trailing '/', '//', '.' or '..')"
    else if directoryProblem metricsDirectory != null then
      "in ${metricsDirectory}, which is ${directoryProblem metricsDirectory}; the module makes the metrics file's directory world-readable (0755)"
    else if readOnlyProblem metricsDirectory != null then
      readOnlyProblem metricsDirectory
    else
      let
        containing = lib.filterAttrs (_: dir: inside dir metricsDirectory) ownDirectories;
      in
      if containing != { } then
        "inside services.cc-ci.${lib.head (lib.attrNames containing)}, which only root can enter: node_exporter could not read it"
      else
        null;

  # -- where the recipe definitions are --------------------------------------

  # A repo given as a Nix path or a source tree (the flake itself, a cleaned
  # source) is copied to the store and can be checked now; a plain string names a
  # checkout on the machine that only exists at run time.
  isSourceString =
    value:
    builtins.isString value
    && builtins.hasContext value
    && lib.all (entry: entry == { path = true; }) (lib.attrValues (builtins.getContext value));
  repoCheckable =
    builtins.isPath cfg.repo
    || (builtins.isAttrs cfg.repo && !lib.isDerivation cfg.repo)
    || isSourceString cfg.repo;
  definitionExists =
    name:
    if builtins.isPath cfg.repo then
      builtins.pathExists (cfg.repo + "/recipes/${name}/recipe.yaml")
    else
      builtins.pathExists "${cfg.repo}/recipes/${name}/recipe.yaml";
  missingDefinitions = lib.filter (name: !definitionExists name) (lib.attrNames enrolled);

  # A path is copied to the store; anything else is used as the string it is.
  repoPath = if builtins.isPath cfg.repo then "${cfg.repo}" else toString cfg.repo;

  # -- the configuration file -------------------------------------------------

  # Only the overrides an operator set: the runner refuses unknown keys and a key
  # left out keeps the recipe definition's value.
  recipeOverrides =
    recipe:
    lib.filterAttrs (_: value: value != null) {
      inherit (recipe)
        deployTimeoutSeconds
        httpTimeoutSeconds
        runTimeoutSeconds
        upgradeBase
        allowPrereleases
        ;
    }
    // lib.optionalAttrs (recipe.env != { }) { inherit (recipe) env; }
    // lib.optionalAttrs (recipe.upgradeEnv != { }) { inherit (recipe) upgradeEnv; };

  # The keys of runner/src/config/config.ts (configFileSchema), exactly.
  settings = {
    repo = repoPath;
    inherit (cfg)
      stateDir
      runsDir
      cacheDir
      abraDir
      server
      domain
      ingress
      upstream
      maxConcurrentRuns
      minFreeDiskPercent
      metricsFile
      ;
    mirror =
      if cfg.mirror == null then
        null
      else
        {
          inherit (cfg.mirror)
            url
            api
            owner
            tokenFile
            ;
        };
    recipes = lib.mapAttrs (_: recipeOverrides) enrolled;
    dashboardDir = if cfg.dashboard.enable then cfg.dashboard.dir else null;
  };

  configFile = (pkgs.formats.json { }).generate "cc-ci.json" settings;

  # -- the executable ----------------------------------------------------------

  tools = import ../pkgs/runtime-tools.nix {
    inherit pkgs;
    abra = cfg.abraPackage;
    docker = cfg.dockerPackage;
  };

  ccci = import ../pkgs/configured-ccci.nix {
    inherit lib;
    inherit (pkgs) runCommand makeWrapper;
  } { inherit (cfg) package; inherit tools configFile; };

  # -- units --------------------------------------------------------------------

  # systemd manages the directories under /var/lib and /var/cache; others get a
  # tmpfiles rule.
  stateDirectories = lib.filter (lib.hasPrefix "/var/lib/") [
    cfg.stateDir
    cfg.runsDir
  ];
  otherDirectories = lib.filter (dir: !(lib.hasPrefix "/var/lib/" dir)) [
    cfg.stateDir
    cfg.runsDir
  ];
  cacheIsSystemd = lib.hasPrefix "/var/cache/" cfg.cacheDir;

  sweepService =
    { description, arguments }:
    {
      inherit description;
      after = [
        "network-online.target"
        "docker.service"
      ];
      wants = [ "network-online.target" ];
      # A configuration switch must never start a sweep that takes hours.
      restartIfChanged = false;
      path = tools;
      # Never CCCI_FAILPOINTS here: fault injection is for the kill test only (runner/src/effects/failpoint.ts).
      environment = {
        CCCI_CONFIG = "${configFile}";
        # Set explicitly, never inherited: REFERENCE.md, "hollow sweep".
        CCCI_REPO = repoPath;
        CCCI_STATE_DIR = cfg.stateDir;
        CCCI_RUNS_DIR = cfg.runsDir;
        CCCI_CACHE_DIR = cfg.cacheDir;
        ABRA_DIR = cfg.abraDir;
        # abra keeps a server's Docker context under ~/.docker: the units see what
        # root's shell (where `abra server add` ran) sees.
        HOME = "/root";
      };
      inherit (cfg) onFailure;
      serviceConfig = {
        Type = "oneshot";
        ExecStart = lib.concatStringsSep " " ([ (lib.getExe' ccci "ccci") ] ++ arguments);
        # The runner tears down on SIGTERM: signal it alone and leave its abra and
        # docker children running until it has done so.
        KillMode = "mixed";
        TimeoutStopSec = "15min";
        # 75: another sweep holds the lock (the weekly one starting while the nightly
        # one runs). Expected, not a failure: OnFailure= stays quiet.
        SuccessExitStatus = [ 75 ];
        StateDirectory = map (lib.removePrefix "/var/lib/") stateDirectories;
        StateDirectoryMode = "0700";
        UMask = "0077";
        LoadCredential = lib.optional (
          cfg.mirror != null && cfg.mirror.tokenFile != null
        ) "mirror-token:${cfg.mirror.tokenFile}";

        # Hardening that leaves what the sweep needs: root (volume snapshots are
        # read from and restored to Docker's volume directories, with their owners),
        # /run/docker.sock, pseudo-terminals for script(1), and Node.js: V8 writes
        # executable memory, so no MemoryDenyWriteExecute.
        NoNewPrivileges = true;
        PrivateTmp = true;
        PrivateDevices = true; # keeps /dev/null, /dev/ptmx and /dev/pts
        ProtectSystem = "full"; # /usr, /boot and /etc read-only; /var, /srv, /run writable
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        RestrictRealtime = true;
        RestrictNamespaces = true;
        LockPersonality = true;
        RestrictAddressFamilies = [
          "AF_UNIX"
          "AF_INET"
          "AF_INET6"
          "AF_NETLINK"
        ];
        SystemCallArchitectures = "native";
        SystemCallFilter = [ "@system-service" ];
        # A refused system call fails with EPERM instead of killing the sweep mid-run.
        SystemCallErrorNumber = "EPERM";
        CapabilityBoundingSet = [
          "CAP_CHOWN"
          "CAP_DAC_OVERRIDE"
          "CAP_DAC_READ_SEARCH"
          "CAP_FOWNER"
          "CAP_FSETID"
          "CAP_KILL"
        ];
      }
      // lib.optionalAttrs cacheIsSystemd {
        CacheDirectory = lib.removePrefix "/var/cache/" cfg.cacheDir;
        CacheDirectoryMode = "0700";
      };
    };

  sweepTimer =
    { description, timer }:
    {
      inherit description;
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = timer.onCalendar;
        Persistent = timer.persistent;
        RandomizedDelaySec = timer.randomizedDelaySec;
      };
    };

  timerOptions =
    {
      which,
      onCalendar,
      randomizedDelaySec,
      extra ? "",
    }:
    {
      onCalendar = mkOption {
        type = types.str;
        default = onCalendar;
        example = "Sat *-*-* 01:30:00";
        description = ''
          When the ${which} sweep starts: the timer's `OnCalendar=`, in
          {manpage}`systemd.time(7)` calendar-event syntax.${extra}
        '';
      };
      persistent = mkOption {
        type = types.bool;
        default = true;
        example = false;
        description = ''
          The timer's `Persistent=`: when the machine was off at the scheduled
          time, start the ${which} sweep once it is up again.
        '';
      };
      randomizedDelaySec = mkOption {
        type = types.str;
        default = randomizedDelaySec;
        example = "0";
        description = ''
          The timer's `RandomizedDelaySec=`: delay each start by a random time up
          to this long (a {manpage}`systemd.time(7)` time span).
        '';
      };
    };

  overrideOption =
    type: example: what:
    mkOption {
      type = types.nullOr type;
      default = null;
      inherit example;
      description = ''
        ${what} `null` keeps the value of the recipe's definition
        (`recipes/<name>/recipe.yaml` in {option}`services.cc-ci.repo`).
      '';
    };

  recipeModule = {
    options = {
      enable = mkOption {
        type = types.bool;
        default = true;
        example = false;
        description = ''
          Whether the sweeps cover this recipe. Setting it to `false` takes a
          recipe of the default enrollment out.
        '';
      };
      deployTimeoutSeconds = overrideOption types.ints.positive 900 ''
        Seconds a deploy of this recipe may take to converge and answer.
      '';
      httpTimeoutSeconds = overrideOption types.ints.positive 60 ''
        Seconds one HTTP request to the app may take.
      '';
      runTimeoutSeconds = overrideOption types.ints.positive 7200 ''
        Hard deadline, in seconds, for one whole CI run of this recipe.
      '';
      upgradeBase = overrideOption types.nonEmptyStr "3.0.1+v2.0.0" ''
        Release tag to upgrade from, instead of the base resolved from the
        canonical. Must be a release tag of the recipe.
      '';
      allowPrereleases = overrideOption types.bool true ''
        Whether a prerelease recipe version (`2.0.0-rc.1+…`) may become the canonical.
      '';
      env = mkOption {
        type = types.attrsOf types.str;
        default = { };
        example = {
          SMTP_HOST = "mail.example.org";
        };
        description = ''
          Variables added to the app's `.env`, over those of the recipe's
          definition. They are written to the Nix store, which anyone on the
          machine can read: never put a secret here (abra generates the app's
          secrets).
        '';
      };
      upgradeEnv = mkOption {
        type = types.attrsOf types.str;
        default = { };
        example = {
          NEW_SETTING = "1";
        };
        description = ''
          Variables added to the app's `.env` before the upgrade, over those of
          the recipe's definition. Written to the Nix store like
          {option}`env`: no secrets.
        '';
      };
    };
  };
in
{
  # Importing the module twice (say, through two flake inputs of one cc-ci) is harmless:
  # the module system keeps one module per key.
  _file = ./cc-ci.nix;
  key = toString ./cc-ci.nix;
  imports = [ ./dashboard.nix ];

  options.services.cc-ci = {
    enable = mkEnableOption "the cc-ci canonical sweeps (a nightly and a weekly timer)";

    package = mkOption {
      type = types.package;
      # From the host's own nixpkgs, without a tool set of its own: the wrapper below
      # gives it the module's, so the host carries one abra and one Docker client.
      default = pkgs.callPackage ../pkgs/ccci.nix { };
      defaultText = literalExpression "pkgs.callPackage \"\${cc-ci}/pkgs/ccci.nix\" { }";
      example = literalExpression "inputs.cc-ci.packages.\${pkgs.stdenv.hostPlatform.system}.default";
      description = ''
        The ccci package. The module wraps its `bin/ccci` with the tool set
        (git, {option}`services.cc-ci.abraPackage`,
        {option}`services.cc-ci.dockerPackage`, script, tar, …) and the generated
        configuration, and runs that wrapper from the timers and from the system
        PATH alike.
      '';
    };

    abraPackage = mkOption {
      type = types.package;
      default = import ../pkgs/pinned-abra.nix { inherit pkgs; };
      defaultText = literalMD ''
        `pkgs.abra` when it is abra ${abraPin.version} (the release cc-ci's engine
        tests run against, `pkgs/abra-pin.json`), else cc-ci's build of that release
        (`pkgs/abra.nix`)
      '';
      example = literalExpression "pkgs.abra";
      description = ''
        The abra package to use: the sweeps drive the CI's apps with it.
      '';
    };

    dockerPackage = mkPackageOption pkgs "Docker client" {
      default = [ "docker-client" ];
      example = [ "docker" ];
    };

    repo = mkOption {
      type = types.path;
      default = self;
      defaultText = literalMD "the cc-ci flake's own source";
      example = "/srv/cc-ci";
      description = ''
        The checkout holding `recipes/<name>/recipe.yaml` for every enrolled
        recipe, exported to the units as `CCCI_REPO`. A Nix path or source tree
        (the default) is copied to the Nix store and checked at evaluation: an
        enrolled recipe without a definition fails the build. A string such as
        `"/srv/cc-ci"` names a checkout on the machine, read at run time, where
        the sweep refuses (exit 2) a recipe without a definition.
      '';
    };

    stateDir = mkOption {
      type = types.externalPath;
      default = "/var/lib/ci-warm";
      example = "/srv/cc-ci/state";
      description = ''
        Where the canonicals live: `<recipe>/canonical.json`, the volume snapshots,
        the attempts and the sweep reports.
      '';
    };

    runsDir = mkOption {
      type = types.externalPath;
      default = "/var/lib/cc-ci-runs";
      example = "/srv/cc-ci/runs";
      description = "One directory per CI run: its own `ABRA_DIR`, `results.json` and logs.";
    };

    cacheDir = mkOption {
      type = types.externalPath;
      default = "/var/cache/cc-ci";
      example = "/srv/cc-ci/cache";
      description = "Cache of the runner (recipe clones it can fetch again).";
    };

    abraDir = mkOption {
      type = types.externalPath;
      default = "/root/.abra";
      example = "/var/lib/cc-ci/abra";
      description = ''
        The operator's `ABRA_DIR`: each run links its `servers/` and `catalogue/`
        from here. Add the server here first (`abra server add`).
      '';
    };

    server = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "default";
      description = ''
        The abra server the CI deploys to (`abra app new --server`). The sweep
        cannot run without it.
      '';
    };

    domain = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "ci.example.org";
      description = ''
        Base domain of the CI's apps: runs use `<abbreviation>-<hex>.<domain>`,
        canonicals `warm-<recipe>.<domain>`. It needs a wildcard DNS record. The
        sweep cannot run without it.
      '';
    };

    ingress = mkOption {
      type = types.nullOr (types.strMatching ingressPattern);
      default = null;
      example = "https://127.0.0.1:443";
      description = ''
        The ingress (traefik) the CI's HTTP checks connect to, sending the app's
        domain as Host: `https://host:port` speaks TLS with the app's domain as
        server name and checks the certificate for it (traefik's wildcard
        certificate of {option}`services.cc-ci.domain`); `host:port` or
        `http://host:port` speaks plain HTTP. `null`: connect to the app's domain.
      '';
    };

    upstream = mkOption {
      type = types.strMatching urlPattern;
      default = "https://git.coopcloud.tech/coop-cloud";
      example = "file:///srv/git/upstream";
      description = "Where the recipes come from: `<upstream>/<recipe>.git`.";
    };

    mirror = mkOption {
      type = types.nullOr (
        types.submodule {
          options = {
            url = mkOption {
              type = types.strMatching urlPattern;
              example = "https://git.example.org/cc-ci";
              description = "Base URL of the mirror repositories: `<url>/<recipe>.git`.";
            };
            api = mkOption {
              type = types.nullOr (types.strMatching urlPattern);
              default = null;
              example = "https://git.example.org/api/v1";
              description = ''
                Gitea API base of the mirror, to close mirror pull requests
                already merged upstream. `null`: pull requests are left alone.
              '';
            };
            owner = mkOption {
              type = types.strMatching "[A-Za-z0-9_.-]+";
              example = "cc-ci";
              description = "The Gitea user or organisation owning the mirror repositories.";
            };
            tokenFile = mkOption {
              type = types.nullOr types.externalPath;
              default = null;
              example = "/run/secrets/cc-ci-mirror-token";
              description = ''
                File holding the Gitea token the mirror sync pushes with. systemd
                hands it to the units as the credential `mirror-token`
                (`LoadCredential=`); it never enters the Nix store. Required.
              '';
            };
          };
        }
      );
      default = null;
      example = literalExpression ''
        {
          url = "https://git.example.org/cc-ci";
          api = "https://git.example.org/api/v1";
          owner = "cc-ci";
          tokenFile = "/run/keys/cc-ci-mirror-token";
        }
      '';
      description = ''
        The CI's mirror of every enrolled recipe, kept a faithful copy of
        upstream (main and tags) before each sweep decides. `null`: tags are read
        from upstream directly.
      '';
    };

    enrollDefaultRecipes = mkOption {
      type = types.bool;
      default = true;
      example = false;
      description = ''
        Whether to enroll every recipe with a definition in cc-ci's own
        `recipes/` (the 21 recipes the CI keeps canonicals for). Entries in
        {option}`services.cc-ci.recipes` add to that set or adjust it.
      '';
    };

    recipes = mkOption {
      type = types.attrsOf (types.submodule recipeModule);
      default = { };
      example = literalExpression ''
        {
          discourse.deployTimeoutSeconds = 1800;
          mumble.enable = false;
          my-recipe = { };
        }
      '';
      description = ''
        The enrolled recipes, by name, with per-recipe overrides of their
        definitions. With {option}`services.cc-ci.enrollDefaultRecipes` the
        shipped set is enrolled too; a name enrolled here needs
        `recipes/<name>/recipe.yaml` in {option}`services.cc-ci.repo`.
      '';
    };

    nightly = timerOptions {
      which = "nightly";
      onCalendar = "*-*-* 02:00:00";
      randomizedDelaySec = "30min";
    };

    weekly = timerOptions {
      which = "weekly";
      onCalendar = "Sun *-*-* 12:00:00";
      randomizedDelaySec = "30min";
      extra = " This sweep runs with `--retry-red`: it tries again a tag that already ran red.";
    };

    maxConcurrentRuns = mkOption {
      type = types.ints.between 1 64;
      default = 1;
      example = 2;
      description = "How many recipe CI runs a sweep may have going at once.";
    };

    minFreeDiskPercent = mkOption {
      type = types.ints.between 0 99;
      default = 10;
      example = 20;
      description = ''
        Free space, in percent, the state directory must keep: a promote that
        would go below it is refused, loudly.
      '';
    };

    metricsFile = mkOption {
      type = types.nullOr types.externalPath;
      default = null;
      example = "/var/lib/prometheus-node-exporter/textfile/cc-ci.prom";
      description = ''
        Where each sweep writes its metrics (Prometheus text format), mode 0644, for
        node_exporter's textfile collector
        (`--collector.textfile.directory=` its directory). The module creates that
        directory world-readable (0755): give the metrics a directory of their own.
        `null`: none.
      '';
    };

    onFailure = mkOption {
      type = types.listOf utils.systemdUtils.lib.unitNameType;
      default = [ ];
      example = [ "notify-admins@%n.service" ];
      description = ''
        Units to start when a sweep fails (a red run, a failed promote, an
        errored recipe, a bad configuration): the sweep units' `OnFailure=`.
        Another sweep holding the lock (exit 75, as when the weekly sweep starts
        while the nightly one still runs) is not a failure.
      '';
    };

    configFile = mkOption {
      type = types.path;
      readOnly = true;
      default = configFile;
      defaultText = literalMD "generated from the other options";
      description = ''
        The JSON configuration the units and the system PATH `ccci` read
        (`CCCI_CONFIG`). Read-only.
      '';
    };

    configuration = mkOption {
      type = types.attrs;
      readOnly = true;
      default = settings;
      defaultText = literalMD "generated from the other options";
      description = "What {option}`services.cc-ci.configFile` holds, as an attribute set. Read-only.";
    };
  };

  config = mkIf cfg.enable {
    services.cc-ci.recipes = mkIf cfg.enrollDefaultRecipes (lib.genAttrs shippedRecipes (_: { }));

    assertions = directoryAssertions ++ [
      {
        assertion = metricsProblem == null;
        message = ''
          services.cc-ci.metricsFile is ${toString cfg.metricsFile}: ${toString metricsProblem}.
          Point it at a directory of its own, such as
          /var/lib/prometheus-node-exporter/textfile/cc-ci.prom.
        '';
      }
      {
        assertion = enrolled != { };
        message = ''
          services.cc-ci: no recipe is enrolled, so every sweep would do nothing and
          report success. Enroll recipes (services.cc-ci.enrollDefaultRecipes = true,
          or services.cc-ci.recipes.<name> = { }).
        '';
      }
      {
        assertion = !repoCheckable || missingDefinitions == [ ];
        message = ''
          services.cc-ci: enrolled recipes without a definition in services.cc-ci.repo
          (${repoPath}): ${lib.concatStringsSep ", " missingDefinitions}. Each needs
          recipes/<name>/recipe.yaml there; add it, or set
          services.cc-ci.recipes.<name>.enable = false.
        '';
      }
      {
        assertion =
          cfg.server == null
          || (builtins.match serverNamePattern cfg.server != null && !lib.hasInfix ".." cfg.server);
        message = ''
          services.cc-ci.server is ${builtins.toJSON cfg.server}: not an abra server name
          (1-254 of A-Z, a-z, 0-9, '.', '-', '_', starting and ending with a letter or
          digit, no '..'): the runner would refuse it and every sweep fail (exit 2).
        '';
      }
      {
        assertion =
          cfg.domain == null
          || (builtins.match domainPattern cfg.domain != null && lib.stringLength cfg.domain <= 200);
        message = ''
          services.cc-ci.domain is ${builtins.toJSON cfg.domain}: not a DNS domain name in
          lower case (labels of a-z, 0-9 and '-', at most 200 characters): the runner
          would refuse it and every sweep fail (exit 2).
        '';
      }
      {
        assertion = cfg.mirror == null || cfg.mirror.tokenFile != null;
        message = ''
          services.cc-ci.mirror.tokenFile is not set: the mirror sync pushes to
          ${if cfg.mirror == null then "the mirror" else cfg.mirror.url} with a Gitea token read from that file.
          Set it, or set services.cc-ci.mirror = null to read tags from upstream.
        '';
      }
    ]
    ++ lib.mapAttrsToList (name: recipe: {
      assertion = builtins.match recipeNamePattern name != null;
      message = ''
        services.cc-ci.recipes.${name}: not a recipe name (1-64 of a-z, 0-9, '-',
        '_', starting with a letter or digit).
      '';
    }) cfg.recipes
    ++ lib.concatLists (
      lib.mapAttrsToList (
        name: recipe:
        map
          (variable: {
            assertion = builtins.match envNamePattern variable != null;
            message = "services.cc-ci.recipes.${name}: ${builtins.toJSON variable} is not an environment variable name.";
          })
          (lib.attrNames recipe.env ++ lib.attrNames recipe.upgradeEnv)
      ) cfg.recipes
    );

    warnings =
      lib.optional (cfg.server == null) ''
        services.cc-ci.server is not set: every sweep will fail (exit 2) until it is.
      ''
      ++ lib.optional (cfg.domain == null) ''
        services.cc-ci.domain is not set: every sweep will fail (exit 2) until it is.
      ''
      ++ lib.optional (!repoCheckable) ''
        services.cc-ci.repo is ${repoPath}, which is read only when a sweep runs:
        the recipe definitions can only be checked when a sweep runs.
      '';

    environment.systemPackages = [ ccci ];

    systemd.tmpfiles.rules =
      map (dir: "d ${dir} 0700 root root - -") otherDirectories
      ++ lib.optional (!cacheIsSystemd) "d ${cfg.cacheDir} 0700 root root - -"
      ++ lib.optional (metricsDirectory != null) "d ${metricsDirectory} 0755 root root - -";

    systemd.services = {
      cc-ci-sweep-nightly = sweepService {
        description = "cc-ci nightly canonical sweep";
        arguments = [ "sweep" ];
      };
      cc-ci-sweep-weekly = sweepService {
        description = "cc-ci weekly canonical sweep (retries red tags)";
        arguments = [
          "sweep"
          "--retry-red"
        ];
      };
    };

    systemd.timers = {
      cc-ci-sweep-nightly = sweepTimer {
        description = "cc-ci nightly canonical sweep";
        timer = cfg.nightly;
      };
      cc-ci-sweep-weekly = sweepTimer {
        description = "cc-ci weekly canonical sweep (retries red tags)";
        timer = cfg.weekly;
      };
    };
  };
}
