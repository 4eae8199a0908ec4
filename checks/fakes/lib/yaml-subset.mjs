// A tiny YAML reader for the subset of compose files the fakes need: block mappings,
// block sequences, plain/quoted scalars, flow sequences `[a, b]`, `{}` and comments.
// No anchors, no multi-line scalars, no documents: anything else is refused with the
// line number, so a fixture that outgrows the subset fails loudly instead of being misread.

export class YamlSubsetError extends Error {
  constructor(line, message) {
    super(`line ${line}: ${message}`);
    this.name = 'YamlSubsetError';
  }
}

function stripComment(text) {
  let quote = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      return text.slice(0, i);
    }
  }
  return text;
}

function parseScalar(raw, line) {
  const text = raw.trim();
  if (text === '') return null;
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw new YamlSubsetError(line, `unterminated string ${text}`);
    return JSON.parse(text);
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new YamlSubsetError(line, `unterminated string ${text}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text === '{}') return {};
  if (text === '[]') return [];
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new YamlSubsetError(line, `unterminated flow sequence ${text}`);
    const inner = text.slice(1, -1).trim();
    if (inner === '') return [];
    return inner.split(',').map((part) => parseScalar(part, line));
  }
  if (text.startsWith('{') || text.startsWith('&') || text.startsWith('*') || text.startsWith('|') || text.startsWith('>')) {
    throw new YamlSubsetError(line, `unsupported YAML construct ${text}`);
  }
  if (text === 'null' || text === '~') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

/** Splits `key: value` at the first colon followed by a space or the end (outside quotes). */
function splitKey(text, line) {
  let quote = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ':' && (i === text.length - 1 || text[i + 1] === ' ')) {
      const key = parseScalar(text.slice(0, i), line);
      return { key: String(key), rest: text.slice(i + 1) };
    }
  }
  return null;
}

export function parseYamlSubset(source) {
  const lines = [];
  source.split(/\r?\n/).forEach((rawLine, index) => {
    const withoutComment = stripComment(rawLine);
    if (withoutComment.trim() === '') return;
    if (/^\t/.test(withoutComment)) throw new YamlSubsetError(index + 1, 'tab indentation');
    if (withoutComment.trim() === '---') {
      if (lines.length === 0) return;
      throw new YamlSubsetError(index + 1, 'multiple documents');
    }
    const indent = withoutComment.length - withoutComment.trimStart().length;
    lines.push({ indent, text: withoutComment.trim(), line: index + 1 });
  });
  let position = 0;

  function parseBlock(indent) {
    const first = lines[position];
    if (!first || first.indent < indent) return null;
    if (first.text === '-' || first.text.startsWith('- ')) return parseSequence(first.indent);
    return parseMapping(first.indent);
  }

  function parseSequence(indent) {
    const items = [];
    while (position < lines.length) {
      const current = lines[position];
      if (current.indent < indent) break;
      if (current.indent > indent) throw new YamlSubsetError(current.line, 'unexpected indentation');
      if (!(current.text === '-' || current.text.startsWith('- '))) break;
      const rest = current.text.slice(1).trim();
      position++;
      if (rest === '') {
        items.push(parseBlock(indent + 1));
      } else if (splitKey(rest, current.line) && !rest.startsWith('"') && !rest.startsWith("'")) {
        // "- key: value" starts a mapping whose keys sit two columns in.
        const inlineIndent = indent + 2;
        lines.splice(position, 0, { indent: inlineIndent, text: rest, line: current.line });
        items.push(parseMapping(inlineIndent));
      } else {
        items.push(parseScalar(rest, current.line));
      }
    }
    return items;
  }

  function parseMapping(indent) {
    const map = {};
    while (position < lines.length) {
      const current = lines[position];
      if (current.indent < indent) break;
      if (current.indent > indent) throw new YamlSubsetError(current.line, 'unexpected indentation');
      if (current.text.startsWith('- ')) break;
      const pair = splitKey(current.text, current.line);
      if (!pair) throw new YamlSubsetError(current.line, `expected "key: value", got ${current.text}`);
      if (Object.prototype.hasOwnProperty.call(map, pair.key)) {
        throw new YamlSubsetError(current.line, `duplicate key ${pair.key}`);
      }
      position++;
      if (pair.rest.trim() === '') {
        const next = lines[position];
        const nested =
          next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- ')))
            ? parseBlock(next.indent)
            : null;
        map[pair.key] = nested;
      } else {
        map[pair.key] = parseScalar(pair.rest, current.line);
      }
    }
    return map;
  }

  if (lines.length === 0) return {};
  const result = parseBlock(0);
  if (position < lines.length) throw new YamlSubsetError(lines[position].line, 'unexpected content');
  return result;
}
