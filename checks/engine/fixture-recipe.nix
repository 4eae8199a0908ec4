# The fixture recipe of the NixOS VM test on the real engine (checks/vm-test-engine.nix),
# as text: compose.yml, .env.sample and README.md exactly as runner/src/demo/fixtures.ts
# writes them (fixtureComposeText and createFixtureRecipe, in the default shape: one
# volume `content`, backupbot labels, one secret `db_password`), so that the VM deploys
# the very recipe the engine tier deploys, and the fixture app (checks/engine/fixture-app)
# reads its behaviour from the same FIXTURE_* variables.
#
# `commits` are the commits the VM test makes, in the order it makes them;
# runner/test/nix/vm-test-engine.test.ts holds each one's compose.yml, and the .env.sample
# and README.md, against fixtures.ts byte for byte. Builtins only, no nixpkgs lib, so
# that nix-instantiate alone can evaluate it there.
let
  # The keys of FakeBehaviour in fixtures.ts that take one scalar (`lint`, a list, is not
  # needed here and not written).
  fakeKeys = [
    "deploy"
    "health"
    "http"
    "startSeconds"
    "backup"
    "restore"
  ];

  scalar =
    key: value:
    if !(builtins.elem key fakeKeys) then
      throw "fixture-recipe.nix: x-ccci-fake has no key ${key} (one of ${builtins.concatStringsSep ", " fakeKeys})"
    else if builtins.isString value || builtins.isInt value then
      toString value
    else
      throw "fixture-recipe.nix: x-ccci-fake.${key} must be a string or an integer";

  # The top-level `x-ccci-fake:` mapping, as the YAML writer prints it (keys in the order
  # given: nix-instantiate's JSON hands fixtures.ts the same, sorted, order).
  fakeBlock =
    fake:
    if fake == { } then
      ""
    else
      "x-ccci-fake:\n"
      + builtins.concatStringsSep "" (map (key: "  ${key}: ${scalar key fake.${key}}\n") (builtins.attrNames fake));
in
{
  recipe = "vmengine";

  commits = {
    # The first release: promoted, with the tag's commit.
    tagged = {
      version = "1.0.0+1.0";
      fake = { };
    };
    # main moves ahead of the tag, untagged: never run.
    aheadUntagged = {
      version = "1.0.1+1.0";
      fake = { };
    };
    # more untagged work after the promote: still nothing to run.
    moreUntagged = {
      version = "1.0.2+1.0";
      fake = { };
    };
    # A release that never becomes healthy: red at the upgrade from the canonical.
    redTag = {
      version = "1.1.0+1.0";
      fake = {
        health = "fail";
      };
    };
  };

  # fixtureComposeText(version, {}, fake)
  compose =
    version: fake:
    ''
      version: "3.8"
      services:
        app:
          image: ccci-fixture:1
          environment:
            - DOMAIN
            - FIXTURE_VERSION=${version}
            - FIXTURE_DATA=/data/content
            - FIXTURE_START=${if (fake.deploy or "ok") == "fail" then "fail" else "ok"}
            - FIXTURE_HEALTH=${if (fake.health or "ok") == "fail" then "fail" else "ok"}
            - FIXTURE_START_SECONDS=${toString (fake.startSeconds or 0)}
            - FIXTURE_HTTP=${toString (fake.http or 200)}
          volumes:
            - content:/data/content
          networks:
            - hostnet
          healthcheck:
            test:
              - CMD
              - test
              - -f
              - /tmp/ready
            interval: 1s
            timeout: 1s
            retries: 3
            start_period: 10m
          deploy:
            labels:
              - traefik.enable=true
              - traefik.http.routers.''${STACK_NAME}.rule=Host(`''${DOMAIN}`)
              - coop-cloud.''${STACK_NAME}.version=${version}
              - backupbot.backup=true
              - backupbot.backup.path=/data/content
            restart_policy:
              condition: any
              delay: 1s
          secrets:
            - db_password
      volumes:
        content: null
      secrets:
        db_password:
          external: true
          name: ''${STACK_NAME}_db_password_''${SECRET_DB_PASSWORD_VERSION}
      networks:
        hostnet:
          external: true
          name: host
    ''
    + fakeBlock fake;

  # What createFixtureRecipe writes as .env.sample (abra copies it to the app's .env).
  envSample = name: ''
    TYPE=${name}

    DOMAIN=${name}.example.com

    ## Domain aliases
    #EXTRA_DOMAINS=
    LETS_ENCRYPT_ENV=

    SECRET_DB_PASSWORD_VERSION=v1
  '';

  # What createFixtureRecipe writes as README.md.
  readme = name: ''
    # ${name}

    A fixture recipe for cc-ci tests. Its `x-ccci-fake:` mapping steers the abra/docker test doubles, and the fixture app on a real engine.
  '';
}
