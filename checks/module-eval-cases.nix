# The cases of the module evaluation and what each must give. Shared by the full
# NixOS evaluation (checks/module-eval.nix, a flake check) and the evaluation
# against nixpkgs' lib alone (checks/module-eval-lib.nix, run by runner/test/nix).
{
  lib,
  # services.cc-ci as the flake exports it (nixosModules.default)
  module,
  # list of modules -> the evaluated `config`, with services.cc-ci imported
  eval,
  # list of modules -> the evaluated `options`, likewise
  evalOptions,
  # name -> a package of that name (nothing in it)
  fakePackage,
  # what services.cc-ci.repo is by default, as a string
  expectedRepo,
}:
let
  shipped = lib.attrNames (lib.filterAttrs (_: type: type == "directory") (builtins.readDir ../recipes));
  abraPin = lib.importJSON ../pkgs/abra-pin.json;

  ccciWarnings = config: lib.filter (lib.hasInfix "services.cc-ci") config.warnings;

  environmentKeys = [
    "CCCI_CONFIG"
    "CCCI_REPO"
    "CCCI_STATE_DIR"
    "CCCI_RUNS_DIR"
    "CCCI_CACHE_DIR"
    "ABRA_DIR"
    "HOME"
  ];
  serviceConfigKeys = [
    "Type"
    "ExecStart"
    "SuccessExitStatus"
    "KillMode"
    "StateDirectory"
    "StateDirectoryMode"
    "CacheDirectory"
    "CacheDirectoryMode"
    "UMask"
    "LoadCredential"
    "NoNewPrivileges"
    "ProtectSystem"
    "PrivateTmp"
    "PrivateDevices"
    "SystemCallFilter"
    "MemoryDenyWriteExecute"
  ];

  # What the tests look at, as plain data (JSON).
  summarize =
    config:
    let
      service =
        name:
        let
          unit = config.systemd.services.${name};
        in
        {
          inherit (unit)
            description
            after
            wants
            onFailure
            restartIfChanged
            ;
          environment = lib.filterAttrs (key: _: lib.elem key environmentKeys) unit.environment;
          serviceConfig = lib.filterAttrs (key: _: lib.elem key serviceConfigKeys) unit.serviceConfig;
          path = map (package: package.name) unit.path;
        };
      timer =
        name:
        let
          unit = config.systemd.timers.${name};
        in
        {
          inherit (unit) description wantedBy timerConfig;
        };
    in
    let
      cfg = config.services.cc-ci;
      configured = lib.filter (package: lib.hasPrefix "ccci-configured" package.name) config.environment.systemPackages;
      ownDirectories = [
        cfg.stateDir
        cfg.runsDir
        cfg.cacheDir
      ]
      ++ lib.optional (cfg.metricsFile != null) (dirOf cfg.metricsFile);
    in
    {
      failedAssertions = map (assertion: assertion.message) (
        lib.filter (assertion: !assertion.assertion) config.assertions
      );
      abra = {
        inherit (cfg.abraPackage) name;
        version = cfg.abraPackage.version or null;
      };
      # The package's own wrapper, and the tool set the module's wrapper puts first.
      packageWrapperArgs = cfg.package.makeWrapperArgs or [ ];
      packageRuntimeTools = map (package: package.name) (cfg.package.runtimeTools or [ ]);
      wrapperTools = lib.concatMap (ccci: map (package: package.name) ccci.tools) configured;
      warnings = ccciWarnings config;
      configuration = config.services.cc-ci.configuration;
      configFile = toString config.services.cc-ci.configFile;
      services = {
        nightly = service "cc-ci-sweep-nightly";
        weekly = service "cc-ci-sweep-weekly";
      };
      timers = {
        nightly = timer "cc-ci-sweep-nightly";
        weekly = timer "cc-ci-sweep-weekly";
      };
      systemPackages = lib.filter (lib.hasPrefix "ccci") (
        map (package: package.name) config.environment.systemPackages
      );
      # The rules for the module's directories (the full NixOS evaluation has many more).
      tmpfiles = lib.filter (
        rule: lib.any (dir: lib.hasPrefix "d ${dir} " rule) ownDirectories
      ) config.systemd.tmpfiles.rules;
    };

  enable = {
    services.cc-ci.enable = true;
  };

  cases = {
    defaults = [ ];

    configured = [
      {
        services.cc-ci = {
          server = "ci-server";
          domain = "ci.example.org";
          ingress = "127.0.0.1:8443";
          upstream = "file:///srv/git/upstream";
          mirror = {
            url = "https://git.example.org/cc-ci";
            api = "https://git.example.org/api/v1";
            owner = "cc-ci";
            tokenFile = "/run/secrets/cc-ci-mirror-token";
          };
          stateDir = "/srv/cc-ci/warm";
          cacheDir = "/var/cache/ccci-custom";
          abraDir = "/var/lib/cc-ci/abra";
          recipes = {
            ghost = {
              deployTimeoutSeconds = 900;
              env.SMTP_HOST = "mail.example.org";
            };
            plausible.allowPrereleases = false;
            mumble.enable = false;
          };
          nightly = {
            onCalendar = "*-*-* 03:17:00";
            randomizedDelaySec = "0";
          };
          weekly.persistent = false;
          maxConcurrentRuns = 2;
          minFreeDiskPercent = 20;
          metricsFile = "/var/lib/metrics/cc-ci.prom";
          onFailure = [ "notify-admins@%n.service" ];
        };
      }
    ];

    nothingEnrolled = [ { services.cc-ci.enrollDefaultRecipes = false; } ];

    everyRecipeDisabled = [
      { services.cc-ci.recipes = lib.genAttrs shipped (_: { enable = false; }); }
    ];

    missingDefinition = [ { services.cc-ci.recipes.no-such-recipe = { }; } ];

    # A path repo is checked: cc-ci's shipped recipes are not in the VM test's repo.
    pathRepoMissing = [ { services.cc-ci.repo = ./vm-repo; } ];

    pathRepoComplete = [
      {
        services.cc-ci = {
          repo = ./vm-repo;
          enrollDefaultRecipes = false;
          recipes.vmfix = { };
        };
      }
    ];

    # A string repo is a checkout on the machine: not checked, but said so.
    stringRepo = [
      {
        services.cc-ci = {
          repo = "/srv/cc-ci";
          recipes.no-such-recipe = { };
        };
      }
    ];

    mirrorWithoutToken = [
      {
        services.cc-ci.mirror = {
          url = "https://git.example.org/cc-ci";
          owner = "cc-ci";
        };
      }
    ];

    badNames = [
      {
        services.cc-ci = {
          repo = "/srv/cc-ci";
          recipes."Bad Name" = { };
          recipes.ghost.env."1X" = "y";
        };
      }
    ];

    # The module's directories are root's alone (0700): never / or a top-level or
    # system directory, always written plainly.
    stateDirRoot = [ { services.cc-ci.stateDir = "/"; } ];
    runsDirTopLevel = [ { services.cc-ci.runsDir = "/srv"; } ];
    stateDirVarLib = [ { services.cc-ci.stateDir = "/var/lib"; } ];
    cacheDirVarCache = [ { services.cc-ci.cacheDir = "/var/cache"; } ];
    runsDirNotPlain = [ { services.cc-ci.runsDir = "/var/lib/cc-ci-runs/"; } ];
    # The units see /etc, /usr and /boot read-only (ProtectSystem=full): nothing the
    # sweep or abra writes can be there.
    stateDirUnderEtc = [ { services.cc-ci.stateDir = "/etc/cc-ci"; } ];
    abraDirUnderUsr = [ { services.cc-ci.abraDir = "/usr/local/share/abra"; } ];
    metricsUnderBoot = [ { services.cc-ci.metricsFile = "/boot/metrics/cc-ci.prom"; } ];
    # What the runner would refuse, refused at evaluation.
    badServer = [ { services.cc-ci.server = "../x"; } ];
    dotDotServer = [ { services.cc-ci.server = "ci..example"; } ];
    badDomain = [ { services.cc-ci.domain = "CI.Example.org"; } ];
    # The metrics file's directory is made world-readable for node_exporter.
    metricsInStateDir = [ { services.cc-ci.metricsFile = "/var/lib/ci-warm/metrics/cc-ci.prom"; } ];
    metricsInSystemDir = [ { services.cc-ci.metricsFile = "/var/lib/cc-ci.prom"; } ];
    metricsDefault = [
      { services.cc-ci.metricsFile = "/var/lib/prometheus-node-exporter/textfile/cc-ci.prom"; }
    ];

    # One tool set: the module's abra and Docker client, in the units and the wrapper alike.
    ownTools = [
      {
        services.cc-ci = {
          abraPackage = fakePackage "abra-double";
          dockerPackage = fakePackage "docker-double";
        };
      }
    ];

    # nixosModules.default imported twice: the module system keeps one (its key).
    importedTwice = [ module ];
  };

  # A case whose evaluation throws (an option declared twice, a value of the wrong
  # type) gives the error's absence as false instead of stopping every other case.
  evaluates = value: (builtins.tryEval (builtins.deepSeq value value)).success;

  results = lib.mapAttrs (_: modules: summarize (eval ([ enable ] ++ modules))) (
    removeAttrs cases [ "importedTwice" ]
  ) // {
    disabled = {
      servicesDefined = lib.filter (lib.hasPrefix "cc-ci") (lib.attrNames (eval [ ]).systemd.services);
    };
    importedTwice =
      let
        summary = summarize (eval ([ enable ] ++ cases.importedTwice));
      in
      {
        evaluates = evaluates summary;
        sameAsDefaults = evaluates summary && summary == summarize (eval [ enable ]);
      };
    # onFailure takes unit names (nixpkgs' unitNameType), as systemd's OnFailure= does.
    onFailureNotAUnit.refused =
      !evaluates (eval [
        enable
        { services.cc-ci.onFailure = [ "notify-admins" ]; }
      ]).services.cc-ci.onFailure;
    # The ingress in TLS (traefik on 443) reaches the runner as written; another scheme is refused.
    tlsIngress =
      (eval [
        enable
        { services.cc-ci.ingress = "https://127.0.0.1:443"; }
      ]).services.cc-ci.configuration.ingress;
    ftpIngress.refused =
      !evaluates (eval [
        enable
        { services.cc-ci.ingress = "ftp://127.0.0.1:21"; }
      ]).services.cc-ci.ingress;
    # An empty upgrade base is no release tag: the option's type refuses it.
    emptyUpgradeBase.refused =
      !evaluates (eval [
        enable
        { services.cc-ci.recipes.ghost.upgradeBase = ""; }
      ]).services.cc-ci.recipes.ghost.upgradeBase;
    # Every option an operator sets says what a value looks like (mkEnableOption's is
    # `true`); the read-only ones (the generated configuration) are not set.
    withoutExample =
      let
        docs = lib.optionAttrSetToDocList (evalOptions [ ]).services.cc-ci;
        settable = option: option.visible && !option.readOnly && !lib.hasInfix "._module." option.name;
      in
      map (option: option.name) (lib.filter (option: settable option && !(option ? example)) docs);
    # Where the options are declared: the module file, not an anonymous value.
    declaredIn = (evalOptions [ ]).services.cc-ci.enable.files;
  };

  # services.cc-ci.dashboard: its own cases (checks/dashboard-eval-cases.nix).
  dashboard = import ./dashboard-eval-cases.nix { inherit lib eval enable; };

  # -- expectations -------------------------------------------------------------

  expect =
    what: actual: expected:
    lib.optional (actual != expected) "${what}: expected ${builtins.toJSON expected}, got ${builtins.toJSON actual}";
  expectTrue = what: condition: lib.optional (!condition) what;
  # Exactly one failed assertion, and it says `text`.
  expectOneFailure =
    case: text:
    let
      failed = results.${case}.failedAssertions;
    in
    expectTrue "${case}: one failed assertion saying ${builtins.toJSON text}, got ${builtins.toJSON failed}" (
      lib.length failed == 1 && lib.hasInfix text (lib.head failed)
    );

  defaults = results.defaults;
  configured = results.configured;
  timerConfig = onCalendar: persistent: randomizedDelaySec: {
    OnCalendar = onCalendar;
    Persistent = persistent;
    RandomizedDelaySec = randomizedDelaySec;
  };
  shippedOverrides = lib.genAttrs shipped (_: { });

  failures = lib.concatLists [
    (expectTrue "recipes/ holds recipe definitions to enroll" (shipped != [ ]))
    # defaults
    (expect "defaults: failed assertions" defaults.failedAssertions [ ])
    (expect "defaults: configuration" defaults.configuration {
      repo = expectedRepo;
      stateDir = "/var/lib/ci-warm";
      runsDir = "/var/lib/cc-ci-runs";
      cacheDir = "/var/cache/cc-ci";
      abraDir = "/root/.abra";
      server = null;
      domain = null;
      ingress = null;
      upstream = "https://git.coopcloud.tech/coop-cloud";
      mirror = null;
      recipes = shippedOverrides;
      maxConcurrentRuns = 1;
      minFreeDiskPercent = 10;
      metricsFile = null;
      dashboardDir = null;
    })
    (expect "defaults: warnings" (lib.length defaults.warnings) 2)
    (expect "defaults: the system PATH ccci" defaults.systemPackages [ "ccci-configured" ])
    (expect "defaults: tmpfiles" defaults.tmpfiles [ ])
    (lib.concatMap (
      which:
      let
        service = defaults.services.${which};
        arguments = if which == "weekly" then " sweep --retry-red" else " sweep";
      in
      lib.concatLists [
        (expect "defaults: ${which} environment" service.environment {
          CCCI_CONFIG = defaults.configFile;
          CCCI_REPO = expectedRepo;
          CCCI_STATE_DIR = "/var/lib/ci-warm";
          CCCI_RUNS_DIR = "/var/lib/cc-ci-runs";
          CCCI_CACHE_DIR = "/var/cache/cc-ci";
          ABRA_DIR = "/root/.abra";
          HOME = "/root";
        })
        (expectTrue "defaults: ${which} ExecStart runs the configured ccci with${arguments}: ${service.serviceConfig.ExecStart}" (
          lib.hasSuffix "-ccci-configured/bin/ccci${arguments}" service.serviceConfig.ExecStart
        ))
        (expect "defaults: ${which} Type" service.serviceConfig.Type "oneshot")
        (expect "defaults: ${which} StateDirectory" service.serviceConfig.StateDirectory [
          "ci-warm"
          "cc-ci-runs"
        ])
        (expect "defaults: ${which} CacheDirectory" service.serviceConfig.CacheDirectory "cc-ci")
        (expect "defaults: ${which} LoadCredential" service.serviceConfig.LoadCredential [ ])
        (expect "defaults: ${which} UMask" service.serviceConfig.UMask "0077")
        (expect "defaults: ${which} exit 75 (another sweep holds the lock) is a success" (service.serviceConfig.SuccessExitStatus or null) [
          75
        ])
        (expectTrue "defaults: ${which} must not deny W^X memory (Node.js JIT)" (
          !(service.serviceConfig ? MemoryDenyWriteExecute)
        ))
        (expect "defaults: ${which} restartIfChanged" service.restartIfChanged false)
        (expect "defaults: ${which} onFailure" service.onFailure [ ])
        (expectTrue "defaults: ${which} starts after the network is online" (
          lib.elem "network-online.target" service.after && lib.elem "network-online.target" service.wants
        ))
        (lib.concatMap (
          tool:
          expectTrue "defaults: ${which} path has ${tool}" (
            lib.any (name: lib.hasPrefix "${tool}-" name) service.path
          )
        ) [ "git" "abra" "util-linux" "gnutar" "gzip" "coreutils" "bash" "openssh" ])
        (expect "defaults: ${which} timer wantedBy" defaults.timers.${which}.wantedBy [ "timers.target" ])
      ]
    ) [ "nightly" "weekly" ])
    (expect "defaults: nightly timer" defaults.timers.nightly.timerConfig (
      timerConfig "*-*-* 02:00:00" true "30min"
    ))
    (expect "defaults: weekly timer" defaults.timers.weekly.timerConfig (
      timerConfig "Sun *-*-* 12:00:00" true "30min"
    ))
    (expect "defaults: CCCI_REPO is the configuration's repo" defaults.services.nightly.environment.CCCI_REPO
      defaults.configuration.repo
    )
    (expect "defaults: abra is the pinned release (pkgs/abra-pin.json)" defaults.abra.version abraPin.version)
    (expect "defaults: the package has no tool set of its own" defaults.packageRuntimeTools [ ])
    (expectTrue "defaults: the package's wrapper puts no tools on PATH: ${builtins.toJSON defaults.packageWrapperArgs}" (
      !(lib.elem "PATH" defaults.packageWrapperArgs)
    ))
    # NixOS appends its own minimal PATH (coreutils, findutils, grep, sed, systemd)
    # to every unit's `path`, after the module's tools.
    (expectTrue "defaults: the system PATH ccci has a tool set" (defaults.wrapperTools != [ ]))
    (expect "defaults: the system PATH ccci and the units have one tool set" defaults.wrapperTools (
      lib.take (lib.length defaults.wrapperTools) defaults.services.nightly.path
    ))

    # everything set
    (expect "configured: failed assertions" configured.failedAssertions [ ])
    (expect "configured: warnings" configured.warnings [ ])
    (expect "configured: recipe overrides" (removeAttrs configured.configuration.recipes [
      "ghost"
      "plausible"
    ]) (removeAttrs shippedOverrides [ "ghost" "plausible" "mumble" ]))
    (expect "configured: ghost overrides" configured.configuration.recipes.ghost {
      deployTimeoutSeconds = 900;
      env.SMTP_HOST = "mail.example.org";
    })
    (expect "configured: plausible overrides" configured.configuration.recipes.plausible {
      allowPrereleases = false;
    })
    (expect "configured: mirror" configured.configuration.mirror {
      url = "https://git.example.org/cc-ci";
      api = "https://git.example.org/api/v1";
      owner = "cc-ci";
      tokenFile = "/run/secrets/cc-ci-mirror-token";
    })
    (expect "configured: scalars"
      {
        inherit (configured.configuration)
          server
          domain
          ingress
          upstream
          stateDir
          runsDir
          cacheDir
          abraDir
          maxConcurrentRuns
          minFreeDiskPercent
          metricsFile
          ;
      }
      {
        server = "ci-server";
        domain = "ci.example.org";
        ingress = "127.0.0.1:8443";
        upstream = "file:///srv/git/upstream";
        stateDir = "/srv/cc-ci/warm";
        runsDir = "/var/lib/cc-ci-runs";
        cacheDir = "/var/cache/ccci-custom";
        abraDir = "/var/lib/cc-ci/abra";
        maxConcurrentRuns = 2;
        minFreeDiskPercent = 20;
        metricsFile = "/var/lib/metrics/cc-ci.prom";
      }
    )
    (expect "configured: the mirror token is a credential" configured.services.weekly.serviceConfig.LoadCredential [
      "mirror-token:/run/secrets/cc-ci-mirror-token"
    ])
    (expect "configured: StateDirectory holds only what is under /var/lib" configured.services.nightly.serviceConfig.StateDirectory [
      "cc-ci-runs"
    ])
    (expect "configured: CacheDirectory" configured.services.nightly.serviceConfig.CacheDirectory "ccci-custom")
    (expect "configured: tmpfiles for a state directory outside /var/lib, and the metrics directory" configured.tmpfiles [
      "d /srv/cc-ci/warm 0700 root root - -"
      "d /var/lib/metrics 0755 root root - -"
    ])
    (expect "configured: onFailure" configured.services.nightly.onFailure [ "notify-admins@%n.service" ])
    (expect "configured: ABRA_DIR" configured.services.nightly.environment.ABRA_DIR "/var/lib/cc-ci/abra")
    (expect "configured: nightly timer" configured.timers.nightly.timerConfig (
      timerConfig "*-*-* 03:17:00" true "0"
    ))
    (expect "configured: weekly timer" configured.timers.weekly.timerConfig (
      timerConfig "Sun *-*-* 12:00:00" false "30min"
    ))

    # hollow configurations
    (expectOneFailure "nothingEnrolled" "no recipe is enrolled")
    (expectOneFailure "everyRecipeDisabled" "no recipe is enrolled")
    (expectOneFailure "missingDefinition" "enrolled recipes without a definition")
    (expectTrue "missingDefinition: the message names the recipe" (
      lib.hasInfix "no-such-recipe" (lib.concatStrings results.missingDefinition.failedAssertions)
    ))
    (expectOneFailure "pathRepoMissing" "enrolled recipes without a definition")
    (expectTrue "pathRepoMissing: the message names a missing recipe" (
      lib.hasInfix "custom-html" (lib.concatStrings results.pathRepoMissing.failedAssertions)
    ))
    (expect "pathRepoComplete: failed assertions" results.pathRepoComplete.failedAssertions [ ])
    (expect "pathRepoComplete: recipes" results.pathRepoComplete.configuration.recipes { vmfix = { }; })
    (expectTrue "pathRepoComplete: the repo is copied to the store" (
      lib.hasPrefix builtins.storeDir results.pathRepoComplete.configuration.repo
    ))
    (expect "stringRepo: failed assertions" results.stringRepo.failedAssertions [ ])
    (expect "stringRepo: repo" results.stringRepo.configuration.repo "/srv/cc-ci")
    (expectTrue "stringRepo: a warning says the definitions are checked at run time" (
      lib.any (lib.hasInfix "can only be checked when a sweep runs") results.stringRepo.warnings
    ))
    (expectOneFailure "mirrorWithoutToken" "services.cc-ci.mirror.tokenFile is not set")
    (expect "badNames: failed assertions" (lib.length results.badNames.failedAssertions) 2)
    (expectTrue "badNames: a bad recipe name is refused" (
      lib.any (lib.hasInfix "not a recipe name") results.badNames.failedAssertions
    ))
    (expectTrue "badNames: a bad variable name is refused" (
      lib.any (lib.hasInfix "is not an environment variable name") results.badNames.failedAssertions
    ))
    (expect "disabled: no units" results.disabled.servicesDefined [ ])

    # directories
    (expectOneFailure "stateDirRoot" "services.cc-ci.stateDir is /: / or a top-level directory")
    (expectOneFailure "runsDirTopLevel" "services.cc-ci.runsDir is /srv: / or a top-level directory")
    (expectOneFailure "stateDirVarLib" "services.cc-ci.stateDir is /var/lib: a system directory")
    (expectOneFailure "cacheDirVarCache" "services.cc-ci.cacheDir is /var/cache: a system directory")
    (expectOneFailure "runsDirNotPlain" "services.cc-ci.runsDir is /var/lib/cc-ci-runs/: not written plainly")
    (expectOneFailure "metricsInStateDir" "inside services.cc-ci.stateDir, which only root can enter")
    (expectOneFailure "metricsInSystemDir" "in /var/lib, which is a system directory")
    (expect "metricsDefault: failed assertions" results.metricsDefault.failedAssertions [ ])
    (expectOneFailure "stateDirUnderEtc" "services.cc-ci.stateDir is /etc/cc-ci: under /etc, which the sweep's units see read-only")
    (expectOneFailure "abraDirUnderUsr" "services.cc-ci.abraDir is /usr/local/share/abra: under /usr, which the sweep's units see read-only")
    (expectOneFailure "metricsUnderBoot" "under /boot, which the sweep's units see read-only")
    (expectOneFailure "badServer" "services.cc-ci.server is \"../x\": not an abra server name")
    (expectOneFailure "dotDotServer" "services.cc-ci.server is \"ci..example\": not an abra server name")
    (expectOneFailure "badDomain" "services.cc-ci.domain is \"CI.Example.org\": not a DNS domain name")
    (expect "metricsDefault: the metrics directory is world-readable" results.metricsDefault.tmpfiles [
      "d /var/lib/prometheus-node-exporter/textfile 0755 root root - -"
    ])
    (expect "defaults: no metrics, no metrics directory" defaults.tmpfiles [ ])

    # one tool set
    (expect "ownTools: failed assertions" results.ownTools.failedAssertions [ ])
    (lib.concatMap (
      which:
      let
        path = results.ownTools.services.${which}.path;
      in
      [ ]
      ++ expectTrue "ownTools: ${which} path has the module's abra and Docker client: ${builtins.toJSON path}" (
        lib.elem "abra-double" path && lib.elem "docker-double" path
      )
      ++ expect "ownTools: ${which} path has one abra" (lib.filter (lib.hasPrefix "abra") path) [ "abra-double" ]
      ++ expect "ownTools: ${which} path has one Docker client" (lib.filter (lib.hasPrefix "docker") path) [
        "docker-double"
      ]
    ) [ "nightly" "weekly" ])
    (expect "ownTools: the system PATH ccci has the units' tool set" results.ownTools.wrapperTools (
      lib.take (lib.length results.ownTools.wrapperTools) results.ownTools.services.nightly.path
    ))
    (expect "ownTools: the package has no tool set of its own" results.ownTools.packageRuntimeTools [ ])

    # the module itself
    (expectTrue "importedTwice: importing nixosModules.default twice evaluates" results.importedTwice.evaluates)
    (expectTrue "importedTwice: and changes nothing" results.importedTwice.sameAsDefaults)
    (expectTrue "onFailure: a name that is not a unit is refused" results.onFailureNotAUnit.refused)
    (expectTrue "upgradeBase: an empty one is refused" results.emptyUpgradeBase.refused)
    (expect "ingress: https:// reaches the runner" results.tlsIngress "https://127.0.0.1:443")
    (expectTrue "ingress: another scheme is refused" results.ftpIngress.refused)
    (expect "every option an operator sets has an example" results.withoutExample [ ])
    (expectTrue "the options are declared in modules/cc-ci.nix: ${builtins.toJSON results.declaredIn}" (
      results.declaredIn != [ ] && lib.all (lib.hasSuffix "modules/cc-ci.nix") results.declaredIn
    ))

    dashboard.failures
  ];
in
{
  inherit shipped results failures;
  dashboard = dashboard.results;
}
