import { ValidationFailedError } from '@lapse/shared';
import { parseIsoInstant } from '@lapse/shared/http/iso-instant';
import { normalizeLogin } from '@lapse/shared/identity/login';

/**
 * A small subset of Okta's (SCIM-style) filter and search expressions, compiled to parameterised SQL:
 * `field op "value"` with `eq`, `sw`, `co`, `gt`, `ge`, `lt`, `le`, joined by `and` / `or`, with
 * parentheses. Fields are whitelisted by the caller; values never reach the SQL text.
 */
export interface FilterField {
  readonly column: string;
  /** `ci-text` compares `lower(column)`; `login` compares a column of `normalizeLogin` forms. */
  readonly kind: 'text' | 'ci-text' | 'login' | 'timestamp';
}

type Token = { kind: 'word' | 'string' | 'lparen' | 'rparen'; text: string };

const OPS: Record<string, string> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };

function tokenize(source: string, name: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'lparen' : 'rparen', text: ch });
      i++;
    } else if (ch === '"') {
      let text = '';
      i++;
      while (i < source.length && source[i] !== '"') {
        if (source[i] === '\\' && i + 1 < source.length) i++;
        text += source[i++];
      }
      if (source[i] !== '"') throw invalid(name);
      i++;
      tokens.push({ kind: 'string', text });
    } else {
      const match = /^[A-Za-z0-9_.:+-]+/.exec(source.slice(i));
      if (!match) throw invalid(name);
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

function invalid(name: string): ValidationFailedError {
  return new ValidationFailedError([`${name}: Invalid search criteria`]);
}

export interface CompiledFilter {
  readonly sql: string;
  readonly params: unknown[];
}

/** Compiles `source`; parameters are numbered from `firstParam`. */
export function compileFilter(
  source: string,
  fields: Readonly<Record<string, FilterField>>,
  firstParam: number,
  name = 'filter',
): CompiledFilter {
  const tokens = tokenize(source, name);
  const params: unknown[] = [];
  let position = 0;
  const peek = () => tokens[position];
  const next = () => {
    const token = tokens[position++];
    if (!token) throw invalid(name);
    return token;
  };
  const param = (value: unknown) => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };

  const comparison = (): string => {
    const token = next();
    if (token.kind === 'lparen') {
      const inner = orExpression();
      if (next().kind !== 'rparen') throw invalid(name);
      return `(${inner})`;
    }
    const field = fields[token.text];
    if (token.kind !== 'word' || !field) throw invalid(name);
    const op = next();
    const value = next();
    if (op.kind !== 'word' || value.kind !== 'string') throw invalid(name);
    const operator = op.text.toLowerCase();
    const column = field.kind === 'ci-text' ? `lower(${field.column})` : field.column;
    if (field.kind === 'timestamp') {
      // Strict: a date JavaScript rolls over (`2020-02-31`) or PostgreSQL refuses is a bad filter, not a 500.
      const instant = parseIsoInstant(value.text);
      if (!instant || !(operator in OPS)) throw invalid(name);
      return `${column} ${OPS[operator]} ${param(instant.toISOString())}::timestamptz`;
    }
    const text =
      field.kind === 'ci-text'
        ? value.text.toLowerCase()
        : field.kind === 'login'
          ? normalizeLogin(value.text)
          : value.text;
    if (operator in OPS) return `${column} ${OPS[operator]} ${param(text)}`;
    const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
    if (operator === 'sw') return `${column} LIKE ${param(`${escaped}%`)}`;
    if (operator === 'co') return `${column} LIKE ${param(`%${escaped}%`)}`;
    throw invalid(name);
  };
  const andExpression = (): string => {
    const parts = [comparison()];
    while (peek()?.kind === 'word' && peek().text.toLowerCase() === 'and') {
      next();
      parts.push(comparison());
    }
    return parts.join(' AND ');
  };
  const orExpression = (): string => {
    const parts = [andExpression()];
    while (peek()?.kind === 'word' && peek().text.toLowerCase() === 'or') {
      next();
      parts.push(andExpression());
    }
    return parts.length > 1 ? `(${parts.join(' OR ')})` : parts[0];
  };

  if (tokens.length === 0) throw invalid(name);
  const sql = orExpression();
  if (position !== tokens.length) throw invalid(name);
  return { sql, params };
}
