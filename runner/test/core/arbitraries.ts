// fast-check generators of tag names for the core property tests. Small number ranges on
// purpose, so that generated tags often tie on the recipe semver and the tie-breaks get exercised.
import fc from 'fast-check';

const small = fc.nat({ max: 3 });

const prereleaseIdentifier = fc.oneof(
  small.map(String),
  fc.constantFrom('rc', 'alpha', 'beta', 'a-b', 'rc1', '1a', '-'),
);

// Alphanumeric tokens joined by separators, so the app part always starts and ends with one.
const appToken = fc.constantFrom('0', '1', '01', '9', '10', '31', 'v', 'fpm', 'social', 'x', 'X', 'amd64');
const appSeparator = fc.constantFrom('.', '-', '_', '', '+');
const appPart = fc
  .array(fc.tuple(appSeparator, appToken), { minLength: 0, maxLength: 4 })
  .chain((rest) => appToken.map((first) => first + rest.map(([sep, token]) => sep + token).join('')));

/** A tag parseTag accepts: semver with optional prerelease and app part, or a legacy _N / ~N form. */
export const validTag: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc
    .tuple(
      small,
      small,
      small,
      fc.option(fc.array(prereleaseIdentifier, { minLength: 1, maxLength: 3 }), { freq: 3 }),
      fc.option(appPart, { freq: 4 }),
    )
    .map(([major, minor, patch, pre, app]) => {
      let tag = `${major}.${minor}.${patch}`;
      if (pre !== null) tag += `-${pre.join('.')}`;
      if (app !== null) tag += `+${app}`;
      return tag;
    }) },
  { weight: 1, arbitrary: fc
    .tuple(small, small, small, fc.constantFrom('_', '~'), small)
    .map(([major, minor, patch, sep, n]) => `${major}.${minor}.${patch}${sep}${n}`) },
);

/** Strings that are not versions (and a few that happen to be: parseTag decides). */
export const junkTag: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'latest',
    'v1',
    'v1.2.3',
    '1.2',
    '01.2.3',
    '--upload-pack=x',
    '',
    ' ',
    '1.0.0 ',
    '1.2.3-',
    '1.2.3+',
    '1.2.3_1+x',
    'main',
    '1.2.3.4',
  ),
  fc.string({ maxLength: 8 }),
);

export const anyTag: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: validTag }, { weight: 1, arbitrary: junkTag });

export const tagList: fc.Arbitrary<string[]> = fc.array(anyTag, { maxLength: 25 });
