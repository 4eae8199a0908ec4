# NixOS VM test of services.cc-ci: one machine with the module, the test doubles of
# checks/fakes as its abra and Docker client (the only ones it has: the module's
# package carries no tool set of its own), upstream and mirror as bare repositories
# inside the VM, the sweeps started with `systemctl start`.
#
# It proves, through the real units, each step by its cause (the decision and outcome
# in the sweep report, the rung in the run's results.json, the attempt line), not
# only by an exit status or an unchanged file:
# - both timers are installed with the configured schedule; the units and the system
#   PATH ccci are one executable with one configuration; exit 75 is a success;
# - a new tag is promoted with the tag's commit while main is ahead of it, untagged,
#   and the metrics file is readable by an unprivileged user (node_exporter);
# - nothing new: the sweep decides no-new-version and the canonical stays identical;
# - a fresh enrolment (a switch to a configuration that enrolls it) whose only change
#   is an untagged commit is never-released, and main's untagged commit on the
#   promoted recipe is no-new-version: nothing runs;
# - a red tag is not promoted: red at the upgrade rung, the unit fails and its
#   OnFailure= unit runs; the nightly sweep then skips it as known red, the weekly
#   one (--retry-red) runs that tag again (a new attempt line, a new run on the tag);
# - another sweep holding the lock (the weekly one starting while the nightly one
#   deploys): exit 75, the unit succeeds and OnFailure= stays quiet;
# - the mirror equals upstream (heads and tags) after each sweep.
#
# The same scenario runs as a node test of the runner with the same fakes and
# fixture shape (runner/src/demo/fixtures.ts), step for step:
# runner/test/sweep/vm-scenario.test.ts.
{ pkgs, self }:
let
  inherit (pkgs) lib;

  recipe = "vmfix";
  # Enrolled part way through, by switching to the specialisation below.
  freshRecipe = "vmfresh";
  metricsFile = "/var/lib/prometheus-node-exporter/textfile/cc-ci.prom";
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

  envSample =
    name:
    pkgs.writeText "env-sample-${name}" ''
      TYPE=${name}

      DOMAIN=${name}.example.com

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
        "f /var/lib/cc-ci-test-alerts 0644 root root - -"
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

      # Stands in for an operator's alert: records which unit failed, so the test can
      # tell a failed sweep from one that only found the lock taken.
      systemd.services."cc-ci-test-alert@" = {
        description = "cc-ci VM test: record the failed sweep %i";
        serviceConfig.Type = "oneshot";
        scriptArgs = "%i";
        script = ''echo "$1" >> /var/lib/cc-ci-test-alerts'';
      };

      services.cc-ci = {
        enable = true;
        repo = ./vm-repo;
        enrollDefaultRecipes = false;
        recipes.${recipe} = { };
        # The doubles are the machine's abra and Docker client: nothing real is built.
        abraPackage = fakes;
        dockerPackage = fakes;
        inherit server domain metricsFile;
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
        onFailure = [ "cc-ci-test-alert@%n.service" ];
      };

      # An operator enrolling a recipe: the same configuration with one more.
      specialisation.enrol-fresh.configuration.services.cc-ci.recipes.${freshRecipe} = { };
    };

  testScript = ''
    import json
    import re
    import time
    from typing import Any, Callable

    RECIPE = "${recipe}"
    FRESH = "${freshRecipe}"
    NIGHTLY = "cc-ci-sweep-nightly.service"
    WEEKLY = "cc-ci-sweep-weekly.service"
    TIMERS = "cc-ci-sweep-nightly.timer cc-ci-sweep-weekly.timer"
    STATE = "/var/lib/ci-warm"
    RUNS = "/var/lib/cc-ci-runs"
    CANONICAL = f"{STATE}/{RECIPE}/canonical.json"
    METRICS = "${metricsFile}"
    ALERTS = "/var/lib/cc-ci-test-alerts"

    # No pipelines below: under the driver's `set -euo pipefail` a reader that stops
    # early (grep -q, head) kills the writer with SIGPIPE and fails the command. Output
    # is read whole and searched here.


    def upstream(recipe: str) -> str:
        return f"/srv/git/upstream/{recipe}.git"


    def mirror(recipe: str) -> str:
        return f"/srv/git/mirror/{recipe}.git"


    def work(recipe: str) -> str:
        return f"/root/work/{recipe}"


    def git(recipe: str, args: str) -> str:
        return machine.succeed(
            f"git -C {work(recipe)} -c user.name=cc-ci-vm-test -c user.email=vm-test@cc-ci.invalid {args}"
        ).strip()


    def new_repository(recipe: str, env_sample: str) -> None:
        machine.succeed(
            f"mkdir -p {work(recipe)} /srv/git/upstream /srv/git/mirror",
            f"git init -q --bare --initial-branch=main {upstream(recipe)}",
            f"git init -q --initial-branch=main {work(recipe)}",
            f"install -m 0644 {env_sample} {work(recipe)}/.env.sample",
        )


    def commit(recipe: str, compose: str, message: str) -> str:
        machine.succeed(f"install -m 0644 {compose} {work(recipe)}/compose.yml")
        git(recipe, "add -A")
        git(recipe, f"commit -q -m '{message}'")
        return git(recipe, "rev-parse HEAD")


    def tag(recipe: str, version: str) -> None:
        git(recipe, f"tag -a {version} -m {version}")


    def publish(recipe: str) -> None:
        git(recipe, f"push -q {upstream(recipe)} main --tags")


    def refs(repository: str) -> str:
        return machine.succeed(
            f"git --git-dir={repository} for-each-ref --format='%(objectname) %(refname)' refs/heads refs/tags"
        )


    def assert_mirror_equals_upstream(recipe: str) -> None:
        upstream_refs = refs(upstream(recipe))
        mirror_refs = refs(mirror(recipe))
        assert mirror_refs == upstream_refs, f"{recipe} mirror:\n{mirror_refs}\nupstream:\n{upstream_refs}"


    def canonical_digest() -> str:
        return machine.succeed(f"sha256sum {CANONICAL}").split()[0]


    def read_json(path: str) -> Any:
        return json.loads(machine.succeed(f"cat {path}"))


    def reported(recipe: str) -> dict[str, Any]:
        """The recipe's entry in the newest sweep report."""
        newest = max(machine.succeed(f"ls {STATE}/sweeps").split())
        report = read_json(f"{STATE}/sweeps/{newest}")
        for entry in report["recipes"]:
            if entry["recipe"] == recipe:
                return dict(entry)
        raise AssertionError(f"{recipe} is not in {newest}: {report}")


    def attempts(recipe: str) -> list[dict[str, Any]]:
        text = machine.succeed(f"cat {STATE}/{recipe}/attempts.jsonl")
        return [json.loads(line) for line in text.splitlines() if line.strip()]


    def runs() -> list[str]:
        return sorted(name for name in machine.succeed(f"ls -A {RUNS}").split() if not name.startswith("."))


    def alerts() -> list[str]:
        return machine.succeed(f"cat {ALERTS}").split()


    def show(unit: str, prop: str) -> str:
        return machine.succeed(f"systemctl show -P {prop} {unit}").strip()


    def journal_cursor() -> str:
        out = machine.succeed("journalctl -n 1 --show-cursor --no-pager -o cat")
        return out.strip().splitlines()[-1].removeprefix("-- cursor: ")


    def journal_since(cursor: str, unit: str) -> str:
        return machine.succeed(f"journalctl --no-pager -o cat -u {unit} --after-cursor='{cursor}'")


    def wait_for(condition: Callable[[], bool], what: str, timeout: int = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(1)


    def assert_one_executable(recipes: list[str]) -> None:
        """The units and the system PATH ccci: one executable, one configuration."""
        ccci = machine.succeed("readlink -f /run/current-system/sw/bin/ccci").strip()
        for unit, arguments in [(NIGHTLY, "sweep"), (WEEKLY, "sweep --retry-red")]:
            exec_start = show(unit, "ExecStart")
            assert f"path={ccci} " in exec_start, exec_start
            assert f"argv[]={ccci} {arguments} " in exec_start, exec_start
            environment = show(unit, "Environment")
            assert "CCCI_REPO=/nix/store/" in environment, environment
            assert "CCCI_CONFIG=/nix/store/" in environment, environment
        found = re.search(r"CCCI_CONFIG[= ]'?(/nix/store/[^' ]+)", machine.succeed(f"cat {ccci}"))
        assert found is not None, "the system PATH ccci sets no CCCI_CONFIG"
        config = read_json(found.group(1))
        assert config["recipes"] == {name: {} for name in recipes}, config
        assert config["mirror"]["tokenFile"] == "/etc/cc-ci/mirror-token", config


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
        machine.succeed(f"systemctl stop {TIMERS}")

    with subtest("the units and the system PATH ccci are one executable; exit 75 is a success"):
        assert_one_executable([RECIPE])
        for unit in [NIGHTLY, WEEKLY]:
            unit_file = machine.succeed(f"systemctl cat {unit}")
            assert "SuccessExitStatus=75" in unit_file, unit_file
            assert "OnFailure=cc-ci-test-alert@%n.service" in unit_file, unit_file
        # One tool set: the doubles are the units' abra and Docker client, and neither
        # the units nor the system PATH ccci has another abra (the module's package
        # carries none of its own).
        unit_path = next(
            assignment.removeprefix("PATH=").split(":")
            for assignment in show(NIGHTLY, "Environment").split()
            if assignment.startswith("PATH=")
        )
        assert "${fakes}/bin" in unit_path, unit_path
        assert not [entry for entry in unit_path if "-abra-" in entry], unit_path
        wrapper = machine.succeed("cat $(readlink -f /run/current-system/sw/bin/ccci)")
        assert "${fakes}/bin" in wrapper and "-abra-" not in wrapper, wrapper
        assert "abra version 0.11.0-fake" in machine.succeed("${fakes}/bin/abra version")

    with subtest("upstream: a tag, and main ahead of it untagged"):
        new_repository(RECIPE, "${envSample recipe}")
        tagged = commit(RECIPE, "${compose "1.0.0+1.0" { }}", "release 1.0.0+1.0")
        tag(RECIPE, "1.0.0+1.0")
        head = commit(RECIPE, "${compose "1.0.1+1.0" { }}", "unreleased work on main")
        publish(RECIPE)
        # The mirror starts empty: only the sweep's sync can make it equal upstream.
        machine.succeed(f"git init -q --bare --initial-branch=main {mirror(RECIPE)}")
        assert tagged != head

    with subtest("a new tag is promoted with the tag's commit, not main's head"):
        machine.succeed(f"systemctl start {NIGHTLY}")
        record = read_json(CANONICAL)
        assert record["recipe"] == RECIPE, record
        assert record["version"] == "1.0.0+1.0", record
        assert record["commit"] == tagged, f"recorded {record['commit']}, the tag is {tagged}, main is {head}"
        machine.succeed(f"test -f {STATE}/{RECIPE}/snapshot/meta.json")
        entry = reported(RECIPE)
        assert entry["outcome"] == "promoted", entry
        assert entry["latestTag"] == "1.0.0+1.0", entry
        assert_mirror_equals_upstream(RECIPE)

    with subtest("the metrics file is readable by an unprivileged user, as node_exporter reads it"):
        assert machine.succeed(f"stat -c %a {METRICS}").strip() == "644"
        assert machine.succeed(f"stat -c %a {METRICS.rsplit('/', 1)[0]}").strip() == "755"
        metrics = machine.succeed(f"setpriv --reuid=65534 --regid=65534 --clear-groups -- cat {METRICS}")
        assert 'ccci_canonical_info{recipe="vmfix",version="1.0.0+1.0"} 1' in metrics, metrics

    with subtest("nothing new: the sweep decides no-new-version and the canonical is byte-identical"):
        before = canonical_digest()
        runs_before = runs()
        machine.succeed(f"systemctl start {NIGHTLY}")
        assert reported(RECIPE)["decision"] == "skip:no-new-version", reported(RECIPE)
        assert attempts(RECIPE)[-1]["decision"] == "skip:no-new-version"
        assert runs() == runs_before, "a run was made"
        assert canonical_digest() == before

    with subtest("a fresh enrolment whose only change is an untagged commit is not run"):
        before = canonical_digest()
        runs_before = runs()
        new_repository(FRESH, "${envSample freshRecipe}")
        commit(FRESH, "${compose "0.1.0+1.0" { }}", "unreleased first work")
        publish(FRESH)
        machine.succeed(f"git init -q --bare --initial-branch=main {mirror(FRESH)}")
        # Enrol it as an operator does: switch to a configuration that has it.
        machine.succeed("/run/booted-system/specialisation/enrol-fresh/bin/switch-to-configuration test")
        # Switching starts timers.target again, and with it the timers.
        machine.succeed(f"systemctl stop {TIMERS}")
        assert_one_executable([RECIPE, FRESH])
        # The promoted recipe's only change is an untagged commit, too.
        commit(RECIPE, "${compose "1.0.2+1.0" { }}", "more unreleased work")
        publish(RECIPE)
        machine.succeed(f"systemctl start {NIGHTLY}")
        fresh = reported(FRESH)
        assert fresh["decision"] == "skip:never-released", fresh
        assert fresh["outcome"] == "skipped" and fresh["runId"] is None, fresh
        assert reported(RECIPE)["decision"] == "skip:no-new-version", reported(RECIPE)
        assert runs() == runs_before, "a run was made"
        assert canonical_digest() == before
        machine.fail(f"test -e {STATE}/{FRESH}/canonical.json")
        # The sweep saw the untagged commits: the mirrors have them.
        assert_mirror_equals_upstream(FRESH)
        assert_mirror_equals_upstream(RECIPE)

    with subtest("a red tag is not promoted: red at the upgrade rung, the unit fails, OnFailure= runs"):
        before = canonical_digest()
        assert alerts() == [], alerts()
        red_commit = commit(RECIPE, "${compose "1.1.0+1.0" { deploy = "fail"; }}", "release 1.1.0+1.0")
        tag(RECIPE, "1.1.0+1.0")
        publish(RECIPE)
        cursor = journal_cursor()
        machine.fail(f"systemctl start {NIGHTLY}")
        assert show(NIGHTLY, "Result") == "exit-code"
        assert show(NIGHTLY, "ExecMainStatus") == "1"
        entry = reported(RECIPE)
        assert entry["outcome"] == "red" and entry["verdict"] == "red", entry
        assert entry["latestTag"] == "1.1.0+1.0" and entry["level"] == 1, entry
        red_run = read_json(f"{RUNS}/{entry['runId']}/results.json")
        assert red_run["ref"] == "1.1.0+1.0" and red_run["commit"] == red_commit, red_run
        failed = [rung["rung"] for rung in red_run["rungs"] if rung["status"] == "fail"]
        # The canonical 1.0.0+1.0 installs; the upgrade to the red tag's deploy fails.
        assert failed == ["upgrade"], red_run["rungs"]
        assert "vmfix: red: red at level L1" in journal_since(cursor, NIGHTLY)
        wait_for(lambda: NIGHTLY in alerts(), "the OnFailure= unit of the nightly sweep")
        assert canonical_digest() == before
        assert read_json(CANONICAL)["version"] == "1.0.0+1.0"
        assert_mirror_equals_upstream(RECIPE)

    with subtest("the nightly sweep skips the known red tag, the weekly one runs that tag again"):
        before = canonical_digest()
        machine.succeed(f"systemctl start {NIGHTLY}")
        assert reported(RECIPE)["decision"] == "skip:known-red", reported(RECIPE)
        seen = len(attempts(RECIPE))
        machine.fail(f"systemctl start {WEEKLY}")
        assert show(WEEKLY, "Result") == "exit-code"
        lines = attempts(RECIPE)
        assert len(lines) == seen + 1, lines[seen:]
        retried = lines[-1]
        assert retried["decision"] == "run" and retried["tag"] == "1.1.0+1.0", retried
        assert retried["commit"] == red_commit and retried["outcome"] == "red", retried
        assert retried["runId"] not in (None, entry["runId"]), retried
        assert read_json(f"{RUNS}/{retried['runId']}/results.json")["ref"] == "1.1.0+1.0"
        assert canonical_digest() == before
        # Red again: the weekly unit failed, and its OnFailure= unit runs.
        wait_for(lambda: WEEKLY in alerts(), "the OnFailure= unit of the weekly sweep")

    with subtest("another sweep holding the lock: exit 75, the unit succeeds, OnFailure= stays quiet"):
        commit(FRESH, "${compose "1.0.0+1.0" { deploy = "hang"; }}", "release 1.0.0+1.0")
        tag(FRESH, "1.0.0+1.0")
        publish(FRESH)
        cursor = journal_cursor()
        machine.succeed(f"systemctl start --no-block {NIGHTLY}")
        # vmfresh's deploy never returns (its deploy timeout is an hour): the nightly
        # sweep holds the lock until it is stopped below.
        wait_for(
            lambda: f"{FRESH}: run on 1.0.0+1.0" in journal_since(cursor, NIGHTLY),
            "the nightly sweep running vmfresh 1.0.0+1.0",
        )
        weekly_alerts = alerts().count(WEEKLY)
        machine.succeed(f"systemctl start {WEEKLY}")
        assert show(WEEKLY, "Result") == "success"
        assert show(WEEKLY, "ExecMainStatus") == "75"
        assert "another sweep holds the lock" in journal_since(cursor, WEEKLY)
        machine.succeed(f"systemctl stop {NIGHTLY}")
        # Any OnFailure= job would have been queued when the unit finished: wait until
        # the queue is empty before counting.
        wait_for(lambda: machine.succeed("systemctl list-jobs --no-legend").strip() == "", "an empty job queue")
        assert alerts().count(WEEKLY) == weekly_alerts, alerts()
  '';
}
