# The evaluation cases of services.cc-ci.dashboard (modules/dashboard.nix), used by
# checks/module-eval-cases.nix: the runner's configuration names the directory, the
# directory is made for nginx, nginx serves it through a read-only bind mount (and
# nothing of the state directory), and a dashboard directory holding private state
# fails evaluation.
{
  lib,
  # list of modules -> the evaluated `config`, with services.cc-ci imported
  eval,
  # the module that enables services.cc-ci
  enable,
}:
let
  vhost = "ci.example.org";

  cases = {
    off = [ ];
    on = [ { services.cc-ci.dashboard.enable = true; } ];
    nginx = [
      {
        services.cc-ci.dashboard = {
          enable = true;
          nginx.virtualHost = vhost;
        };
      }
    ];
    elsewhere = [
      {
        services.cc-ci = {
          stateDir = "/srv/cc-ci/warm";
          dashboard = {
            enable = true;
            dir = "/srv/www/ci";
          };
        };
      }
    ];
    exposesState = [
      {
        services.cc-ci.dashboard = {
          enable = true;
          dir = "/var/lib";
        };
      }
    ];
    # The module makes it 0755 and the sweep writes there: never / (which would
    # contain everything), a system directory or a read-only one.
    root = [
      {
        services.cc-ci.dashboard = {
          enable = true;
          dir = "/";
        };
      }
    ];
    systemDirectory = [
      {
        services.cc-ci.dashboard = {
          enable = true;
          dir = "/var/lib/private";
        };
      }
    ];
    readOnly = [
      {
        services.cc-ci.dashboard = {
          enable = true;
          dir = "/etc/cc-ci/dashboard";
        };
      }
    ];
    ccciDisabled = [
      {
        services.cc-ci.enable = lib.mkForce false;
        services.cc-ci.dashboard.enable = true;
      }
    ];
  };

  summarize =
    config:
    let
      host = config.services.nginx.virtualHosts.${vhost} or null;
      nginxUnit = config.systemd.services.nginx or { };
    in
    {
      failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);
      dashboardDir = if config.services.cc-ci.enable then config.services.cc-ci.configuration.dashboardDir else null;
      tmpfiles = lib.sort lib.lessThan (lib.filter (rule: lib.hasInfix "dashboard" rule || lib.hasInfix "ci-warm" rule || lib.hasInfix "/srv/" rule) config.systemd.tmpfiles.rules);
      nginxEnabled = config.services.nginx.enable;
      root = if host == null then null else host.root;
      indexLocation =
        if host == null then
          null
        else
          {
            inherit (host.locations."/") index tryFiles extraConfig;
          };
      dotFiles = if host == null then null else host.locations."~ /\\.".return;
      serverHeaders = if host == null then null else host.extraConfig;
      bindReadOnlyPaths = (nginxUnit.serviceConfig or { }).BindReadOnlyPaths or [ ];
    };

  results = lib.mapAttrs (_: modules: summarize (eval ([ enable ] ++ modules))) cases;

  expect =
    what: actual: expected:
    lib.optional (actual != expected) "dashboard ${what}: expected ${builtins.toJSON expected}, got ${builtins.toJSON actual}";
  expectTrue = what: condition: lib.optional (!condition) "dashboard ${what}";

  inherit (results)
    off
    on
    nginx
    elsewhere
    exposesState
    root
    systemDirectory
    readOnly
    ccciDisabled
    ;
  failures = lib.concatLists [
    (expect "off: no dashboardDir" off.dashboardDir null)
    (expect "off: no nginx" off.nginxEnabled false)
    (expect "off: no tmpfiles rule" off.tmpfiles [ ])
    (expect "on: failed assertions" on.failedAssertions [ ])
    (expect "on: dashboardDir under the state directory" on.dashboardDir "/var/lib/ci-warm/dashboard")
    (expect "on: the directories (the state one kept private)" on.tmpfiles [
      "d /var/lib/ci-warm 0700 root root - -"
      "d /var/lib/ci-warm/dashboard 0755 root root - -"
    ])
    (expect "on: no web server unless asked" on.nginxEnabled false)
    (expect "nginx: failed assertions" nginx.failedAssertions [ ])
    (expect "nginx: enabled" nginx.nginxEnabled true)
    (expect "nginx: serves the mount point" nginx.root "/run/cc-ci-dashboard")
    (expect "nginx: only the dashboard directory is mounted, read-only" nginx.bindReadOnlyPaths [
      "/var/lib/ci-warm/dashboard:/run/cc-ci-dashboard"
    ])
    (expect "nginx: index" nginx.indexLocation.index "index.html")
    (expect "nginx: dot-files refused" nginx.dotFiles "404")
    (expectTrue "nginx: logs are text/plain" (lib.hasInfix "text/plain log;" nginx.indexLocation.extraConfig))
    (lib.concatMap
      (
        header:
        expectTrue "nginx: ${header} on pages and on the server" (
          lib.hasInfix header nginx.indexLocation.extraConfig && lib.hasInfix header nginx.serverHeaders
        )
      )
      [
        "X-Content-Type-Options nosniff"
        "Content-Security-Policy \"default-src 'none'"
      ]
    )
    (expect "elsewhere: dashboardDir" elsewhere.dashboardDir "/srv/www/ci")
    # The state directory's rule there is cc-ci.nix's own (outside /var/lib).
    (expect "elsewhere: the directory rules" elsewhere.tmpfiles [
      "d /srv/cc-ci/warm 0700 root root - -"
      "d /srv/www/ci 0755 root root - -"
    ])
    (expectTrue "exposesState: refused, a system directory naming the state and runs directories it would expose: ${builtins.toJSON exposesState.failedAssertions}" (
      lib.length exposesState.failedAssertions == 3
      && lib.any (lib.hasInfix "dashboard.dir is /var/lib: a system directory") exposesState.failedAssertions
      && lib.any (lib.hasInfix "contains services.cc-ci.stateDir (/var/lib/ci-warm)") exposesState.failedAssertions
      && lib.any (lib.hasInfix "contains services.cc-ci.runsDir (/var/lib/cc-ci-runs)") exposesState.failedAssertions
    ))
    (expectTrue "root: refused as / and as containing every private directory: ${builtins.toJSON root.failedAssertions}" (
      lib.length root.failedAssertions == 5
      && lib.any (lib.hasInfix "dashboard.dir is /: / or a top-level directory") root.failedAssertions
      && lib.all (name: lib.any (lib.hasInfix "contains services.cc-ci.${name}") root.failedAssertions) [
        "stateDir"
        "runsDir"
        "cacheDir"
        "abraDir"
      ]
    ))
    (expect "systemDirectory: refused" systemDirectory.failedAssertions [
      ''
        services.cc-ci.dashboard.dir is /var/lib/private: a system directory, shared with the rest of the machine. The module
        makes it world-readable (mode 0755) and nginx serves it. Choose a
        directory of its own, such as "''${services.cc-ci.stateDir}/dashboard".
      ''
    ])
    (expectTrue "readOnly: refused, as the units could not write there: ${builtins.toJSON readOnly.failedAssertions}" (
      lib.length readOnly.failedAssertions == 1
      && lib.hasInfix "dashboard.dir is /etc/cc-ci/dashboard: under /etc, which the sweep's units see read-only" (
        lib.head readOnly.failedAssertions
      )
    ))
    (expect "ccciDisabled: nothing" ccciDisabled.tmpfiles [ ])
  ];
in
{
  inherit results failures;
}
