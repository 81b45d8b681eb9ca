#!/usr/bin/env python3
"""Regenerates src/finetune/dataset/gitleaksRules.ts from gitleaks' config/gitleaks.toml.

Usage: python3 scripts/port-gitleaks-rules.py GITLEAKS_TOML COMMIT > src/finetune/dataset/gitleaksRules.ts

Converts RE2 syntax to JavaScript regex sources that Node 20 accepts: inline case flags are
spelled out as letter classes, POSIX classes and RE2-only escapes are rewritten. Needs Python 3.11
(tomllib); nothing else.
"""
import json
import sys
import tomllib

# Rules bound to file names (the scan sees text only), and rules replaced by secretAssignments.ts.
LEFT_OUT = {'pkcs12-file', 'freemius-secret-key', 'hashicorp-tf-password', 'kubernetes-secret-yaml',
            'nuget-config-password', 'private-key', 'generic-api-key'}


def convert(src):
    """An RE2 pattern as a JavaScript pattern without flags."""
    out, stack, ci, i = [], [], False, 0
    while i < len(src):
        c = src[i]
        if src.startswith('(?i)', i):
            ci, i = True, i + 4
        elif src.startswith('(?i:', i) or src.startswith('(?-i:', i):
            stack.append(ci)
            ci = src[i + 2] == 'i'
            out.append('(?:')
            i += 4 if ci else 5
        elif src.startswith('(?s:.)', i):
            out.append(r'[\s\S]')
            i += 6
        elif src.startswith('[[:alnum:]]', i):
            out.append('[0-9A-Za-z]')
            i += 11
        elif src.startswith('(?P<', i):
            stack.append(ci)
            out.append('(?<')
            i += 4
        elif c == '(':
            if src.startswith('(?', i) and src[i + 2] not in ':=!<':
                raise ValueError(f'unsupported group {src[i:i + 6]!r}')
            stack.append(ci)
            out.append(c)
            i += 1
        elif c == ')':
            ci = stack.pop()
            out.append(c)
            i += 1
        elif c == '\\':
            if src[i + 1] == 'z':
                out.append('$')
                i += 2
            else:
                n = 4 if src[i + 1] == 'x' else 2
                out.append(src[i:i + n])
                i += n
        elif c == '[':
            i = char_class(src, i, ci, out)
        else:
            out.append(f'[{c.lower()}{c.upper()}]' if ci and c.isascii() and c.isalpha() else c)
            i += 1
    return ''.join(out)


def char_class(src, i, ci, out):
    """Appends the class starting at src[i], with both cases of its letters when ci; returns the index after it."""
    j, body = i + 1, []
    if src[j] == '^':
        body.append('^')
        j += 1
    if src[j] == ']':
        body.append(r'\]')
        j += 1
    while src[j] != ']':
        if src[j] == '\\':
            n = 4 if src[j + 1] == 'x' else 2
            body.append(src[j:j + n])
            j += n
        elif src[j + 1] == '-' and src[j + 2] != ']':
            a, b = src[j], src[j + 2]
            body.append(f'{a}-{b}')
            if ci and a.isalpha() and b.isalpha():
                body.append(f'{a.swapcase()}-{b.swapcase()}')
            j += 3
        else:
            body.append(src[j])
            if ci and src[j].isascii() and src[j].isalpha():
                body.append(src[j].swapcase())
            j += 1
    out.append('[' + ''.join(body) + ']')
    return j + 1


def main(path, commit):
    config = tomllib.load(open(path, 'rb'))
    rows = []
    for rule in config['rules']:
        if rule['id'] in LEFT_OUT:
            continue
        row = [json.dumps(rule['id']), json.dumps(convert(rule['regex'])), json.dumps(rule.get('keywords', [])), str(rule.get('entropy', 0))]
        if rule.get('secretGroup'):
            row.append(str(rule['secretGroup']))
        rows.append('  [' + ', '.join(row) + '],')
    allowed = ['  ' + json.dumps(convert(r)) + ',' for r in config['allowlist']['regexes']]
    header = HEADER.replace('{count}', str(len(rows))).replace('{total}', str(len(config['rules']))).replace('{commit}', commit)
    sys.stdout.write(header + 'export const GITLEAKS_ALLOWED_SECRETS: readonly string[] = [\n' + '\n'.join(allowed) + '\n];\n\n'
                     "/** The rules, in gitleaks' (alphabetical) order. */\nexport const GITLEAKS_RULES: readonly GitleaksRuleRow[] = [\n" + '\n'.join(rows) + '\n];\n')


HEADER = "/**\n * @file gitleaks' default rules as data: {count} of its {total} rules, ported from\n * https://github.com/gitleaks/gitleaks/blob/{commit}/config/gitleaks.toml\n * (gitleaks is MIT-licensed, Copyright (c) 2019 Zachary Rice). A maintained rule set catches\n * token formats that a hand-written list would miss; keeping it as data makes an update a\n * regeneration, not a rewrite: this file is written by scripts/port-gitleaks-rules.py and is\n * exempt from the small-file habit.\n *\n * How it was converted: RE2's inline flags have no JavaScript equivalent in Node 20, so each\n * case-insensitive region (`(?i)`, `(?i:…)`) is spelled out as explicit letter classes and\n * `(?-i:…)` becomes a plain group; `[[:alnum:]]` becomes `[0-9A-Za-z]`, `\\z` becomes `$`,\n * `(?s:.)` becomes `[\\s\\S]`, `(?P<name>` becomes `(?<name>`. Left out: the five rules bound\n * to file names (`pkcs12-file`, `freemius-secret-key`, `hashicorp-tf-password`,\n * `kubernetes-secret-yaml`, `nuget-config-password`; the scan sees text only, and credential\n * files are caught by name in secrets.ts), `private-key` (secretAssignments.ts has a stricter\n * header rule) and `generic-api-key`, whose 1,500-word stop list is replaced by the assignment\n * rules in secretAssignments.ts. Per-rule allowlists are not ported, so AWS's documented\n * example key still counts as a key.\n *\n * Each row: rule id, regex source, keywords (one must occur, lower-cased, before the regex\n * runs), minimum Shannon entropy of the secret (0: none), and the group holding the secret\n * when it is not the first.\n */\n\n/** A rule row: id, regex source, keywords, minimum entropy, secret group. */\nexport type GitleaksRuleRow = readonly [id: string, regex: string, keywords: readonly string[], entropy: number, secretGroup?: number];\n\n/** gitleaks' global allowlist: a secret matching one of these is a placeholder, not a secret. */\n"

if __name__ == '__main__':
    main(*sys.argv[1:3])
