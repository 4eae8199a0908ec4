# services.cc-ci.dashboard: the static dashboard every sweep writes (index.html, one
# page per recipe, badges/<recipe>.svg, the redacted logs of the runs shown), and an
# optional nginx virtual host serving it. Imported by cc-ci.nix.
#
# What nginx may read: the dashboard directory and nothing else. The state directory
# stays 0700 root; nginx gets the dashboard directory bind-mounted read-only into its
# own mount namespace (BindReadOnlyPaths=), so it needs no permission on the state
# directory at all. The sweep swaps builds inside that directory (a `current` link
# renamed into place), so the mount sees every new dashboard.
{
  config,
  lib,
  ...
}:
let
  inherit (lib)
    literalExpression
    mkEnableOption
    mkIf
    mkMerge
    mkOption
    types
    ;

  cc = config.services.cc-ci;
  cfg = cc.dashboard;

  # Where nginx sees the dashboard directory (a mount point in its namespace only).
  servedDir = "/run/cc-ci-dashboard";

  # Nothing runs on these pages and nothing loads from elsewhere; logs are plain text
  # and never sniffed as HTML.
  headers = ''
    add_header Content-Security-Policy "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" always;
    add_header X-Content-Type-Options nosniff always;
    add_header Referrer-Policy no-referrer always;
    add_header Cache-Control no-cache always;
  '';

  inherit (import ./directories.nix { inherit lib; }) directoryProblem readOnlyProblem inside;
  # Directories the dashboard must never contain: nginx would serve them.
  private = {
    "services.cc-ci.stateDir" = cc.stateDir;
    "services.cc-ci.runsDir" = cc.runsDir;
    "services.cc-ci.cacheDir" = cc.cacheDir;
    "services.cc-ci.abraDir" = cc.abraDir;
  };
in
{
  options.services.cc-ci.dashboard = {
    enable = mkEnableOption "the static dashboard, written after every sweep";

    dir = mkOption {
      type = types.externalPath;
      default = "${cc.stateDir}/dashboard";
      defaultText = literalExpression ''"''${config.services.cc-ci.stateDir}/dashboard"'';
      example = "/var/lib/ci-warm/dashboard";
      description = ''
        Where the sweep writes the dashboard (`dashboardDir` of the runner's
        configuration); `ccci dashboard` writes it there on demand. It holds no
        secret: run logs are copied redacted, and nothing else of a run is.
      '';
    };

    nginx.virtualHost = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "ci.example.org";
      description = ''
        Serve the dashboard with nginx under this virtual host name (the nixpkgs
        nginx module: `services.nginx.virtualHosts.<name>`, so TLS and the like are
        set there, e.g. `services.nginx.virtualHosts."ci.example.org".forceSSL`).
        `null`: no web server is configured.
      '';
    };
  };

  config = mkIf (cc.enable && cfg.enable) (mkMerge [
    {
      assertions =
        let
          problem = directoryProblem cfg.dir;
          readOnly = readOnlyProblem cfg.dir;
        in
        [
          {
            assertion = problem == null;
            message = ''
              services.cc-ci.dashboard.dir is ${cfg.dir}: ${toString problem}. The module
              makes it world-readable (mode 0755) and nginx serves it. Choose a
              directory of its own, such as "''${services.cc-ci.stateDir}/dashboard".
            '';
          }
          {
            assertion = problem != null || readOnly == null;
            message = ''
              services.cc-ci.dashboard.dir is ${cfg.dir}: ${toString readOnly}. Choose a
              directory under /var or /srv, such as "''${services.cc-ci.stateDir}/dashboard".
            '';
          }
        ]
        ++ lib.mapAttrsToList (name: dir: {
          assertion = !(inside cfg.dir dir);
          message = ''
            services.cc-ci.dashboard.dir (${cfg.dir}) contains ${name} (${dir}): the
            dashboard is public and would expose it. Choose a directory of its own,
            such as "''${services.cc-ci.stateDir}/dashboard".
          '';
        }) private;

      # The dashboard directory exists before nginx starts (its bind mount needs it).
      # Under /var/lib the state directory is otherwise made by the units' StateDirectory=;
      # a rule here keeps it 0700 when tmpfiles comes first.
      systemd.tmpfiles.rules =
        lib.optional (lib.hasPrefix "/var/lib/" cc.stateDir && inside cc.stateDir cfg.dir) "d ${cc.stateDir} 0700 root root - -"
        ++ [ "d ${cfg.dir} 0755 root root - -" ];
    }

    (mkIf (cfg.nginx.virtualHost != null) {
      services.nginx = {
        enable = true;
        virtualHosts.${cfg.nginx.virtualHost} = {
          root = servedDir;
          extraConfig = headers;
          locations = {
            "/" = {
              index = "index.html";
              tryFiles = "$uri $uri/ =404";
              extraConfig = ''
                ${headers}
                types {
                  text/html html;
                  text/css css;
                  image/svg+xml svg;
                  application/json json;
                  text/plain log;
                }
                default_type application/octet-stream;
                charset utf-8;
                charset_types text/css text/plain application/json image/svg+xml;
              '';
            };
            # The marker, the lock and the builds directory are the writer's business.
            "~ /\\." = {
              return = "404";
            };
          };
        };
      };

      systemd.services.nginx.serviceConfig.BindReadOnlyPaths = [ "${cfg.dir}:${servedDir}" ];
    })
  ]);
}
