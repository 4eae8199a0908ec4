# NixOS VM test of services.cc-ci on a real Docker engine: the machine's Docker daemon
# with a one-node swarm on loopback, the real abra (the release cc-ci pins, as the module
# takes it by default: pkgs/pinned-abra.nix) and the real Docker client as the module's
# abra and Docker client, the engine tier's fixture recipe (checks/engine/fixture-recipe.nix)
# and image (checks/engine/fixture-image.nix, loaded with `docker load`, never pulled),
# the repository's fake ingress in its engine mode standing in for traefik (it forwards by
# Host header to the fixture app of that domain on 127.0.0.1), upstream and mirror as bare
# repositories inside the VM, the sweeps started with `systemctl start`. The doubles'
# VM test (checks/vm-test.nix) proves the same paths, and more, on the test doubles.
#
# Each step is proven by its cause (the decision and outcome in the sweep report, the
# rungs of the run's results.json, the attempt line), not only by an exit status:
# - a new tag is promoted with the tag's commit while main is ahead of it, untagged; the
#   snapshot's volumes/content.tar is the warm app's real volume, taken once its
#   container had stopped (fake-app.log ends with the app's `stopped <version>`);
# - nothing new: no-new-version, nothing run, canonical.json byte-identical;
# - an untagged head (the mirror has it): no-new-version, canonical.json byte-identical;
# - a red tag (a release that never becomes healthy) is not promoted: red at the upgrade
#   rung from the canonical, the unit fails, canonical.json byte-identical;
# - after every sweep no stack, service, container, volume or secret of a run is left on
#   the engine, nor its .env, and the warm app is undeployed, its volume and secret kept.
#
# The same scenario runs on this repository's engine tier, outside Nix:
# runner/test/engine/sweep.test.ts.
{ pkgs, self }:
let
  inherit (pkgs) lib;

  fixture = import ./engine/fixture-recipe.nix;
  inherit (fixture) recipe commits;

  server = "default";
  domain = "ci.example.org";
  abraDir = "/root/.abra";
  # Outside the fixture apps' ports (20000-39999: checks/engine/fixture-app).
  ingressPort = 8080;

  # The module's own defaults, named here so that the test script can check that the
  # sweeps run exactly these.
  abra = import ../pkgs/pinned-abra.nix { inherit pkgs; };
  dockerClient = pkgs.docker-client;

  fixtureImage = pkgs.callPackage ./engine/fixture-image.nix { };

  # The fake ingress runs with node explicitly: no `#!/usr/bin/env node` lookup.
  fakesSrc = builtins.path {
    path = ./fakes;
    name = "ccci-fakes";
  };

  composeFile =
    commit: pkgs.writeText "compose-${commit.version}.yml" (fixture.compose commit.version commit.fake);
  envSample = pkgs.writeText "env-sample-${recipe}" (fixture.envSample recipe);
  readme = pkgs.writeText "readme-${recipe}.md" (fixture.readme recipe);
in
pkgs.testers.runNixOSTest {
  name = "cc-ci-engine";

  nodes.machine =
    { pkgs, ... }:
    {
      imports = [ self.nixosModules.default ];

      virtualisation = {
        memorySize = 2048;
        diskSize = 4096;
        cores = 2;
        docker = {
          enable = true;
          # dockerd refuses `docker swarm init` while live restore is on.
          liveRestore = false;
        };
      };

      # There is no registry to reach: the daemon skips its registry lookups for a
      # service's image (pinning it by digest, pulling it for a task) and runs the
      # loaded one.
      systemd.services.docker.environment.DOCKER_SERVICE_PREFER_OFFLINE_IMAGE = "1";

      environment.systemPackages = [
        pkgs.git
        pkgs.gnutar
      ];

      # The operator's ABRA_DIR, as the engine tier's sandbox makes it: `abra server add`
      # (in the test script) adds servers/default.
      systemd.tmpfiles.rules = [
        "d ${abraDir} 0700 root root - -"
        "d ${abraDir}/catalogue 0700 root root - -"
        "d ${abraDir}/recipes 0700 root root - -"
      ];

      systemd.services.fake-ingress = {
        description = "cc-ci VM test: the ingress, forwarding by Host header to the fixture apps on the engine";
        wantedBy = [ "multi-user.target" ];
        environment = {
          FAKE_BACKEND = "docker";
          # Unused in its engine mode, but the doubles' state directory must be set.
          FAKE_SWARM_DIR = "/var/lib/fake-ingress";
        };
        serviceConfig = {
          ExecStart = "${lib.getExe pkgs.nodejs} ${fakesSrc}/bin/fake-ingress --port ${toString ingressPort}";
          DynamicUser = true;
          StateDirectory = "fake-ingress";
        };
      };

      services.cc-ci = {
        enable = true;
        repo = ./vm-engine-repo;
        enrollDefaultRecipes = false;
        recipes.${recipe} = { };
        abraPackage = abra;
        dockerPackage = dockerClient;
        inherit server domain abraDir;
        ingress = "127.0.0.1:${toString ingressPort}";
        upstream = "file:///srv/git/upstream";
        mirror = {
          url = "file:///srv/git/mirror";
          owner = "cc-ci";
          # Written by the test script, never in the Nix store.
          tokenFile = "/etc/cc-ci/mirror-token";
        };
        minFreeDiskPercent = 0;
      };
    };

  testScript = ''
    import json
    from typing import Any

    RECIPE = "${recipe}"
    DOMAIN = "${domain}"
    SERVER = "${server}"
    ABRA_DIR = "${abraDir}"
    NIGHTLY = "cc-ci-sweep-nightly.service"
    TIMERS = "cc-ci-sweep-nightly.timer cc-ci-sweep-weekly.timer"
    STATE = "/var/lib/ci-warm"
    RUNS = "/var/lib/cc-ci-runs"
    CANONICAL = f"{STATE}/{RECIPE}/canonical.json"
    UPSTREAM = f"/srv/git/upstream/{RECIPE}.git"
    MIRROR = f"/srv/git/mirror/{RECIPE}.git"
    WORK = f"/root/work/{RECIPE}"
    TAGGED = "${commits.tagged.version}"
    RED = "${commits.redTag.version}"
    # abra cuts stack names at 45 characters (runner/src/effects/docker.ts, stackName).
    MAX_STACK_NAME = 45
    # What is on the engine, by kind, one name a line (a container by its stack).
    ENGINE_LISTS = {
        "stack": "docker stack ls --format '{{.Name}}'",
        "service": "docker service ls --format '{{.Name}}'",
        "container": "docker ps --all --format '{{.Label \"com.docker.stack.namespace\"}}'",
        "volume": "docker volume ls --format '{{.Name}}'",
        "secret": "docker secret ls --format '{{.Name}}'",
    }

    # No pipelines below: under the driver's `set -euo pipefail` a reader that stops
    # early (grep -q, head) kills the writer with SIGPIPE and fails the command. Output
    # is read whole and searched here.


    def stack_of(app_domain: str) -> str:
        return app_domain.replace(".", "_")[:MAX_STACK_NAME]


    WARM_DOMAIN = f"warm-{RECIPE}.{DOMAIN}"
    WARM_STACK = stack_of(WARM_DOMAIN)


    def git(args: str) -> str:
        return machine.succeed(
            f"git -C {WORK} -c user.name=cc-ci-vm-test -c user.email=vm-test@cc-ci.invalid {args}"
        ).strip()


    def commit(compose: str, message: str) -> str:
        machine.succeed(f"install -m 0644 {compose} {WORK}/compose.yml")
        git("add -A")
        git(f"commit -q -m '{message}'")
        return git("rev-parse HEAD")


    def tag(version: str) -> None:
        git(f"tag -a {version} -m {version}")


    def publish() -> None:
        git(f"push -q {UPSTREAM} main --tags")


    def refs(repository: str) -> str:
        return machine.succeed(
            f"git --git-dir={repository} for-each-ref --format='%(objectname) %(refname)' refs/heads refs/tags"
        )


    def assert_mirror_equals_upstream() -> None:
        upstream_refs = refs(UPSTREAM)
        mirror_refs = refs(MIRROR)
        assert mirror_refs == upstream_refs, f"mirror:\n{mirror_refs}\nupstream:\n{upstream_refs}"


    def canonical_digest() -> str:
        return machine.succeed(f"sha256sum {CANONICAL}").split()[0]


    def read_json(path: str) -> Any:
        return json.loads(machine.succeed(f"cat {path}"))


    def reported() -> dict[str, Any]:
        """The recipe's entry in the newest sweep report."""
        newest = max(machine.succeed(f"ls {STATE}/sweeps").split())
        report = read_json(f"{STATE}/sweeps/{newest}")
        for entry in report["recipes"]:
            if entry["recipe"] == RECIPE:
                return dict(entry)
        raise AssertionError(f"{RECIPE} is not in {newest}: {report}")


    def attempts() -> list[dict[str, Any]]:
        text = machine.succeed(f"cat {STATE}/{RECIPE}/attempts.jsonl")
        return [json.loads(line) for line in text.splitlines() if line.strip()]


    def runs() -> list[str]:
        return sorted(name for name in machine.succeed(f"ls -A {RUNS}").split() if not name.startswith("."))


    def results(run_id: str) -> dict[str, Any]:
        return dict(read_json(f"{RUNS}/{run_id}/results.json"))


    def rung_statuses(run: dict[str, Any]) -> dict[str, str]:
        return {rung["rung"]: rung["status"] for rung in run["rungs"]}


    def rung_reason(run: dict[str, Any], name: str) -> str:
        return str(next(rung["reason"] for rung in run["rungs"] if rung["rung"] == name))


    def why(run_id: str | None) -> str:
        """What to show when a run is not what it should be: its log, else the sweep's journal."""
        if run_id is not None:
            status, text = machine.execute(f"cat {RUNS}/{run_id}/run.log")
            if status == 0:
                return text
        return machine.succeed(f"journalctl --no-pager -o cat -u {NIGHTLY}")


    def show(unit: str, prop: str) -> str:
        return machine.succeed(f"systemctl show -P {prop} {unit}").strip()


    def engine_objects() -> dict[str, list[str]]:
        return {kind: machine.succeed(command).split() for kind, command in ENGINE_LISTS.items()}


    def volume_file(volume: str, name: str) -> str:
        mountpoint = machine.succeed(f"docker volume inspect --format '{{{{.Mountpoint}}}}' {volume}").strip()
        return machine.succeed(f"cat {mountpoint}/{name}")


    def snapshot_file(record: dict[str, Any], volume: str, name: str) -> str:
        archive = f"{STATE}/{RECIPE}/snapshots/{record['snapshot']['id']}/volumes/{volume}.tar"
        return machine.succeed(f"tar --extract --to-stdout --file {archive} ./{name}")


    def assert_only_the_warm_app_is_left() -> None:
        """Nothing of any run on the engine or in ABRA_DIR; the warm app undeployed, its volume and secret kept."""
        objects = engine_objects()
        run_stacks = [stack_of(results(line["runId"])["domain"]) for line in attempts() if line["runId"]]
        assert run_stacks, "no run to look for"
        for kind, names in objects.items():
            left = [name for name in names if any(name.startswith(stack) for stack in run_stacks)]
            assert left == [], f"{kind} of a run left on the engine: {left}"
        for kind in ["stack", "service", "container"]:
            warm = [name for name in objects[kind] if name.startswith(WARM_STACK)]
            assert warm == [], f"the warm app is still deployed: {kind} {warm}"
        warm_volumes = [name for name in objects["volume"] if name.startswith(WARM_STACK)]
        assert warm_volumes == [f"{WARM_STACK}_content"], objects["volume"]
        warm_secrets = [name for name in objects["secret"] if name.startswith(WARM_STACK)]
        assert warm_secrets == [f"{WARM_STACK}_db_password_v1"], objects["secret"]
        apps = machine.succeed(f"ls -A {ABRA_DIR}/servers/{SERVER}").split()
        assert apps == [f"{WARM_DOMAIN}.env"], f"app .env files left: {apps}"


    start_all()
    machine.wait_for_unit("multi-user.target")
    machine.wait_for_unit("docker.service")
    machine.wait_for_unit("fake-ingress.service")
    machine.wait_for_open_port(${toString ingressPort}, addr="127.0.0.1")
    # Only the starts below run a sweep: a scheduled one must not race them.
    machine.succeed(f"systemctl stop {TIMERS}")

    with subtest("the engine: a one-node swarm on loopback, the fixture image loaded, never pulled"):
        machine.succeed("docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377")
        swarm = machine.succeed("docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'")
        assert swarm.split() == ["active", "true"], swarm
        machine.succeed("docker load --input ${fixtureImage}")
        image = json.loads(machine.succeed("docker image inspect ccci-fixture:1"))[0]
        assert image["Config"]["Entrypoint"] == ["/bin/sh", "/fixture-app"], image["Config"]
        assert image["Config"]["Env"] == ["PATH=/bin"], image["Config"]
        # What the fixture app and its healthcheck run, and its /tmp: a broken image fails
        # here, not as a red run further down.
        probe = machine.succeed(
            "docker run --rm --network none --entrypoint /bin/sh ccci-fixture:1 -c "
            "'for applet in sh httpd md5sum cut test touch sleep cp kill mkdir printf echo; do "
            "test -x /bin/$applet || echo missing $applet; done; ls -ld /tmp'"
        )
        assert "missing" not in probe and probe.strip().startswith("drwxrwxrwt"), probe

    with subtest("abra: the real release adds the local server, and it is the one the sweeps run"):
        machine.succeed(f"HOME=/root ABRA_DIR={ABRA_DIR} ${lib.getExe' abra "abra"} server add --local --no-input")
        machine.succeed(f"test -d {ABRA_DIR}/servers/{SERVER}")
        unit_path = next(
            assignment.removeprefix("PATH=").split(":")
            for assignment in show(NIGHTLY, "Environment").split()
            if assignment.startswith("PATH=")
        )
        assert "${lib.getBin abra}/bin" in unit_path, unit_path
        assert "${lib.getBin dockerClient}/bin" in unit_path, unit_path
        # No double anywhere: the fakes are only the ingress's.
        assert not [entry for entry in unit_path if "fake" in entry], unit_path

    with subtest("upstream and mirror: a tag, and main ahead of it untagged"):
        # The mirror token is made in the VM, never in the Nix store (file:// needs none,
        # but a mirror requires one).
        machine.succeed(
            "install -d -m 0755 /etc/cc-ci",
            "umask 077; cat /proc/sys/kernel/random/uuid > /etc/cc-ci/mirror-token",
        )
        machine.succeed(
            f"mkdir -p {WORK} /srv/git/upstream /srv/git/mirror",
            f"git init -q --bare --initial-branch=main {UPSTREAM}",
            f"git init -q --initial-branch=main {WORK}",
            f"install -m 0644 ${envSample} {WORK}/.env.sample",
            f"install -m 0644 ${readme} {WORK}/README.md",
        )
        tagged = commit("${composeFile commits.tagged}", f"release {TAGGED}")
        tag(TAGGED)
        head = commit("${composeFile commits.aheadUntagged}", "unreleased work on main")
        publish()
        # The mirror starts empty: only the sweep's sync can make it equal upstream.
        machine.succeed(f"git init -q --bare --initial-branch=main {MIRROR}")
        assert tagged != head

    with subtest("a new tag is promoted with the tag's commit, main ahead of it; the snapshot is the real volume"):
        machine.succeed(f"systemctl start {NIGHTLY}")
        entry = reported()
        assert entry["decision"] == "run" and entry["outcome"] == "promoted", (entry, why(entry["runId"]))
        assert entry["latestTag"] == TAGGED and entry["verdict"] == "green", entry
        run = results(entry["runId"])
        assert run["ref"] == TAGGED and run["commit"] == tagged and run["mode"] == "cold", run
        rungs = rung_statuses(run)
        # Installed and answering through the ingress; nothing older to upgrade from; no
        # backup bot in the VM (recipe.yaml says why).
        assert rungs["install"] == "pass" and rungs["functional"] == "pass", rungs
        assert rungs["upgrade"] == "skip" and run["base"]["rule"] == "none", (rungs, run["base"])
        assert rungs["backup"] == "skip" and "no backup bot in the VM" in rung_reason(run, "backup"), run["rungs"]
        record = read_json(CANONICAL)
        assert record["version"] == TAGGED, record
        assert record["commit"] == tagged, f"recorded {record['commit']}, the tag is {tagged}, main is {head}"
        assert record["runId"] == entry["runId"] and record["level"] == run["level"], (record, run)
        line = attempts()[-1]
        assert line["decision"] == "run" and line["tag"] == TAGGED and line["commit"] == tagged, line
        assert line["outcome"] == "promoted" and line["runId"] == entry["runId"], line
        # Taken from the warm app's real volume once its container had stopped: the app's
        # last words, written on SIGTERM, are in it, and it is the volume byte for byte.
        assert record["snapshot"]["volumes"] == ["content"], record
        log = snapshot_file(record, "content", "fake-app.log")
        assert log.startswith(f"deployed {TAGGED}\n") and log.endswith(f"stopped {TAGGED}\n"), log
        assert volume_file(f"{WARM_STACK}_content", "fake-app.log") == log
        assert_only_the_warm_app_is_left()
        assert_mirror_equals_upstream()

    with subtest("nothing new: no-new-version, nothing run, canonical.json byte-identical"):
        before = canonical_digest()
        runs_before = runs()
        machine.succeed(f"systemctl start {NIGHTLY}")
        entry = reported()
        assert entry["decision"] == "skip:no-new-version" and entry["runId"] is None, entry
        assert attempts()[-1]["decision"] == "skip:no-new-version", attempts()[-1]
        assert runs() == runs_before, "a run was made"
        assert canonical_digest() == before
        assert_only_the_warm_app_is_left()

    with subtest("an untagged head is not promoted: no-new-version, canonical.json byte-identical"):
        before = canonical_digest()
        runs_before = runs()
        untagged = commit("${composeFile commits.moreUntagged}", "more unreleased work")
        publish()
        machine.succeed(f"systemctl start {NIGHTLY}")
        entry = reported()
        assert entry["decision"] == "skip:no-new-version" and entry["latestTag"] == TAGGED, entry
        assert runs() == runs_before, "a run was made"
        assert canonical_digest() == before
        # The sweep saw the untagged commit: the mirror has it.
        assert_mirror_equals_upstream()
        assert machine.succeed(f"git --git-dir={MIRROR} rev-parse refs/heads/main").strip() == untagged
        assert_only_the_warm_app_is_left()

    with subtest("a red tag is not promoted: red at the upgrade rung from the canonical, the unit fails"):
        before = canonical_digest()
        red_commit = commit("${composeFile commits.redTag}", f"release {RED}")
        tag(RED)
        publish()
        machine.fail(f"systemctl start {NIGHTLY}")
        assert show(NIGHTLY, "Result") == "exit-code"
        assert show(NIGHTLY, "ExecMainStatus") == "1"
        entry = reported()
        assert entry["decision"] == "run" and entry["outcome"] == "red", (entry, why(entry["runId"]))
        assert entry["verdict"] == "red" and entry["latestTag"] == RED and entry["level"] == 1, entry
        run = results(entry["runId"])
        assert run["ref"] == RED and run["commit"] == red_commit, run
        assert run["base"]["version"] == TAGGED and run["base"]["rule"] == "canonical", run["base"]
        rungs = rung_statuses(run)
        # The canonical installs; the upgrade to the release that never becomes healthy fails.
        failed = [name for name, status in rungs.items() if status == "fail"]
        assert rungs["install"] == "pass" and failed == ["upgrade"], (run["rungs"], why(entry["runId"]))
        line = attempts()[-1]
        assert line["tag"] == RED and line["commit"] == red_commit and line["outcome"] == "red", line
        assert canonical_digest() == before
        assert read_json(CANONICAL)["version"] == TAGGED
        assert_only_the_warm_app_is_left()
        assert_mirror_equals_upstream()
  '';
}
