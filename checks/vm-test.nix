# NixOS VM test of services.cc-ci: one machine with the module, the test doubles of
# checks/fakes as its abra and Docker client, upstream and mirror as bare
# repositories inside the VM, the sweeps started with `systemctl start`.
#
# It proves, through the real units:
# - a new tag is promoted with the tag's commit while main is ahead of it, untagged;
# - nothing new: the sweep skips and the canonical stays byte-identical;
# - an untagged head is not promoted (canonical byte-identical);
# - a red tag is not promoted, the unit fails and its OnFailure= unit runs; the
#   nightly sweep then skips it as known red, the weekly one (--retry-red) runs it again;
# - the mirror equals upstream (heads and tags) after each sweep;
# - both timers are installed with the configured schedule.
#
# The same scenario runs as a node test of the runner with the same fakes and
# fixture shape (runner/src/demo/fixtures.ts): `npm test` in runner/.
{ pkgs, self }:
let
  inherit (pkgs) lib;

  recipe = "vmfix";
  server = "default";
  domain = "ci.example.org";
  ingressPort = 8080;
  nightlyCalendar = "*-*-* 03:17:00";
  weeklyCalendar = "Sun *-*-* 05:43:00";

  # The doubles run with node explicitly: no `#!/usr/bin/env node` lookup on the
  # units' PATH. All their state lives under FAKE_SWARM_DIR, shared by the sweeps
  # and the fake ingress.
  fakesSrc = builtins.path {
    path = ./fakes;
    name = "ccci-fakes";
  };
  fakes = pkgs.runCommand "ccci-vm-fakes" { nativeBuildInputs = [ pkgs.makeWrapper ]; } ''
    for tool in abra docker fake-ingress; do
      makeWrapper ${lib.getExe pkgs.nodejs} $out/bin/$tool \
        --add-flags ${fakesSrc}/bin/$tool \
        --set-default FAKE_SWARM_DIR /var/lib/fake-swarm
    done
  '';

  # compose.yml of the fixture recipe, shaped as runner/src/demo/fixtures.ts writes
  # it: the version label on the app service, a volume, backupbot labels, and the
  # `x-ccci-fake:` behaviour of this commit.
  compose =
    version: fake:
    pkgs.writeText "compose-${version}.yml" (
      ''
        version: "3.8"
        services:
          app:
            image: nginx:1.27
            environment:
              - DOMAIN
            volumes:
              - content:/data/content
            deploy:
              labels:
                - traefik.enable=true
                - traefik.http.routers.''${STACK_NAME}.rule=Host(`''${DOMAIN}`)
                - coop-cloud.''${STACK_NAME}.version=${version}
                - backupbot.backup=true
                - backupbot.backup.path=/data/content
        volumes:
          content: null
      ''
      + lib.optionalString (fake != { }) (
        "x-ccci-fake:\n" + lib.concatStrings (lib.mapAttrsToList (key: value: "  ${key}: ${value}\n") fake)
      )
    );

  envSample = pkgs.writeText "env-sample" ''
    TYPE=${recipe}

    DOMAIN=${recipe}.example.com

    ## Domain aliases
    #EXTRA_DOMAINS=
    LETS_ENCRYPT_ENV=
  '';
in
pkgs.testers.runNixOSTest {
  name = "cc-ci";

  nodes.machine =
    { pkgs, ... }:
    {
      imports = [ self.nixosModules.default ];

      virtualisation.memorySize = 2048;

      environment.systemPackages = [ pkgs.git ];

      # A token for the mirror sync (file:// needs none, but the mirror requires one).
      environment.etc."cc-ci/mirror-token" = {
        text = "vm-test-token";
        mode = "0400";
      };

      systemd.tmpfiles.rules = [
        "d /var/lib/fake-swarm 0700 root root - -"
        # The operator's ABRA_DIR with the server the CI deploys to.
        "d /root/.abra/servers/${server} 0700 root root - -"
        "d /root/.abra/catalogue 0700 root root - -"
        "d /root/.abra/recipes 0700 root root - -"
      ];

      systemd.services.fake-ingress = {
        description = "cc-ci VM test: fake ingress answering for the fake swarm's apps";
        wantedBy = [ "multi-user.target" ];
        serviceConfig.ExecStart = "${fakes}/bin/fake-ingress --port ${toString ingressPort}";
      };

      # Stands in for an operator's alert: proves OnFailure= reaches it.
      systemd.services.cc-ci-test-alert = {
        description = "cc-ci VM test: record a failed sweep";
        serviceConfig.Type = "oneshot";
        script = "date >> /var/lib/cc-ci-test-alerts";
      };

      services.cc-ci = {
        enable = true;
        repo = ./vm-repo;
        enrollDefaultRecipes = false;
        recipes.${recipe} = { };
        abraPackage = fakes;
        dockerPackage = fakes;
        inherit server domain;
        ingress = "127.0.0.1:${toString ingressPort}";
        upstream = "file:///srv/git/upstream";
        mirror = {
          url = "file:///srv/git/mirror";
          owner = "cc-ci";
          tokenFile = "/etc/cc-ci/mirror-token";
        };
        nightly = {
          onCalendar = nightlyCalendar;
          randomizedDelaySec = "0";
        };
        weekly = {
          onCalendar = weeklyCalendar;
          randomizedDelaySec = "0";
          persistent = false;
        };
        minFreeDiskPercent = 0;
        onFailure = [ "cc-ci-test-alert.service" ];
      };
    };

  testScript = ''
    import json

    RECIPE = "${recipe}"
    NIGHTLY = "cc-ci-sweep-nightly.service"
    WEEKLY = "cc-ci-sweep-weekly.service"
    UPSTREAM = f"/srv/git/upstream/{RECIPE}.git"
    MIRROR = f"/srv/git/mirror/{RECIPE}.git"
    WORK = f"/root/work/{RECIPE}"
    CANONICAL = f"/var/lib/ci-warm/{RECIPE}/canonical.json"
    ALERTS = "/var/lib/cc-ci-test-alerts"


    def git(args: str) -> str:
        return machine.succeed(
            f"git -C {WORK} -c user.name=cc-ci-vm-test -c user.email=vm-test@cc-ci.invalid {args}"
        ).strip()


    def commit(compose: str, message: str) -> str:
        machine.succeed(f"install -m 0644 {compose} {WORK}/compose.yml")
        git("add -A")
        git(f"commit -q -m '{message}'")
        return git("rev-parse HEAD")


    def publish() -> None:
        git(f"push -q {UPSTREAM} main --tags")


    def refs(repository: str) -> str:
        return machine.succeed(
            f"git --git-dir={repository} for-each-ref --format='%(objectname) %(refname)' refs/heads refs/tags"
        )


    def canonical_digest() -> str:
        return machine.succeed(f"sha256sum {CANONICAL}").split()[0]


    def journal_cursor() -> str:
        out = machine.succeed("journalctl -n 1 --show-cursor --no-pager -o cat")
        return out.strip().splitlines()[-1].removeprefix("-- cursor: ")


    def assert_logged_since(cursor: str, unit: str, text: str) -> None:
        machine.wait_until_succeeds(
            f"journalctl --no-pager -o cat -u {unit} --after-cursor='{cursor}' | grep -qF -- '{text}'",
            timeout=30,
        )


    def assert_mirror_equals_upstream() -> None:
        upstream_refs = refs(UPSTREAM)
        mirror_refs = refs(MIRROR)
        assert mirror_refs == upstream_refs, f"mirror:\n{mirror_refs}\nupstream:\n{upstream_refs}"


    start_all()
    machine.wait_for_unit("multi-user.target")
    machine.wait_for_unit("fake-ingress.service")
    machine.wait_for_open_port(${toString ingressPort})

    with subtest("both timers are installed with the configured schedule"):
        for timer, calendar, persistent in [
            ("cc-ci-sweep-nightly.timer", "${nightlyCalendar}", "true"),
            ("cc-ci-sweep-weekly.timer", "${weeklyCalendar}", "false"),
        ]:
            machine.succeed(f"systemctl is-active {timer}")
            unit_file = machine.succeed(f"systemctl cat {timer}")
            assert f"OnCalendar={calendar}" in unit_file, unit_file
            assert f"Persistent={persistent}" in unit_file, unit_file
            assert "RandomizedDelaySec=0" in unit_file, unit_file
        # From here on only the starts below run a sweep: a scheduled one must not race them.
        machine.succeed("systemctl stop cc-ci-sweep-nightly.timer cc-ci-sweep-weekly.timer")

    with subtest("the units and the system PATH ccci are one executable with one configuration"):
        ccci = machine.succeed("readlink -f /run/current-system/sw/bin/ccci").strip()
        for unit, arguments in [(NIGHTLY, "sweep"), (WEEKLY, "sweep --retry-red")]:
            exec_start = machine.succeed(f"systemctl show -P ExecStart {unit}")
            assert f"path={ccci} " in exec_start, exec_start
            assert f"argv[]={ccci} {arguments} " in exec_start, exec_start
            environment = machine.succeed(f"systemctl show -P Environment {unit}")
            assert "CCCI_REPO=/nix/store/" in environment, environment
            assert "CCCI_CONFIG=/nix/store/" in environment, environment
        config_path = machine.succeed(f"grep -o 'CCCI_CONFIG=[^ ]*' {ccci} | head -n1").strip()
        assert config_path != "", "the system PATH ccci sets no CCCI_CONFIG"
        config = json.loads(machine.succeed("cat " + config_path.split("=", 1)[1].strip("'\"")))
        assert config["recipes"] == {RECIPE: {}}, config
        assert config["mirror"]["tokenFile"] == "/etc/cc-ci/mirror-token", config

    with subtest("upstream: a tag, and main ahead of it untagged"):
        machine.succeed(
            f"mkdir -p {WORK} /srv/git/upstream /srv/git/mirror",
            f"git init -q --bare --initial-branch=main {UPSTREAM}",
            f"git init -q --initial-branch=main {WORK}",
            f"install -m 0644 ${envSample} {WORK}/.env.sample",
        )
        tagged = commit("${compose "1.0.0+1.0" { }}", "release 1.0.0+1.0")
        git("tag -a 1.0.0+1.0 -m 1.0.0+1.0")
        head = commit("${compose "1.0.1+1.0" { }}", "unreleased work on main")
        publish()
        machine.succeed(f"git clone -q --bare {UPSTREAM} {MIRROR}")
        assert tagged != head

    with subtest("a new tag is promoted with the tag's commit, not main's head"):
        machine.succeed(f"systemctl start {NIGHTLY}")
        record = json.loads(machine.succeed(f"cat {CANONICAL}"))
        assert record["recipe"] == RECIPE, record
        assert record["version"] == "1.0.0+1.0", record
        assert record["commit"] == tagged, f"recorded {record['commit']}, the tag is {tagged}, main is {head}"
        machine.succeed(f"test -f /var/lib/ci-warm/{RECIPE}/snapshot/meta.json")
        assert_mirror_equals_upstream()

    with subtest("nothing new: the sweep skips and the canonical is byte-identical"):
        before = canonical_digest()
        cursor = journal_cursor()
        machine.succeed(f"systemctl start {NIGHTLY}")
        assert_logged_since(cursor, NIGHTLY, "no-new-version")
        assert canonical_digest() == before

    with subtest("an untagged head is not promoted"):
        before = canonical_digest()
        commit("${compose "1.0.2+1.0" { }}", "more unreleased work")
        publish()
        machine.succeed(f"systemctl start {NIGHTLY}")
        assert canonical_digest() == before
        assert_mirror_equals_upstream()

    with subtest("a red tag is not promoted and the unit fails"):
        before = canonical_digest()
        machine.fail(f"test -e {ALERTS}")
        commit("${compose "1.1.0+1.0" { deploy = "fail"; }}", "release 1.1.0+1.0")
        git("tag -a 1.1.0+1.0 -m 1.1.0+1.0")
        publish()
        machine.fail(f"systemctl start {NIGHTLY}")
        assert machine.succeed(f"systemctl show -P Result {NIGHTLY}").strip() == "exit-code"
        assert machine.succeed(f"systemctl show -P ExecMainStatus {NIGHTLY}").strip() == "1"
        machine.wait_until_succeeds(f"test -s {ALERTS}", timeout=60)
        assert canonical_digest() == before
        assert json.loads(machine.succeed(f"cat {CANONICAL}"))["version"] == "1.0.0+1.0"
        assert_mirror_equals_upstream()

    with subtest("the nightly sweep skips the known red tag, the weekly one runs it again"):
        before = canonical_digest()
        cursor = journal_cursor()
        machine.succeed(f"systemctl start {NIGHTLY}")
        assert_logged_since(cursor, NIGHTLY, "known-red")
        machine.fail(f"systemctl start {WEEKLY}")
        assert machine.succeed(f"systemctl show -P Result {WEEKLY}").strip() == "exit-code"
        assert canonical_digest() == before
  '';
}
