#!/usr/bin/env python3
"""Checks a /metrics reply against the Prometheus text format 0.0.4 and
against `simpul status --json` read at the same moment.

usage: check_metrics.py METRICS_FILE STATUS_JSON_FILE
Exit 0 when the text parses and every figure both show agrees; else the
differences on stdout and exit 1 (2: the text does not parse)."""
import json
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^(%s)(\{(?:%s)(?:,%s)*\})? (\S+)$' % (NAME, LABEL, LABEL))
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


def parse(text):
    """{(name, labels): value}; raises ValueError on a malformed line."""
    if not text.endswith('\n'):
        raise ValueError('the text does not end with a newline')
    typed, helped, samples = {}, set(), {}
    for n, line in enumerate(text.split('\n')[:-1], 1):
        if line.startswith('# HELP '):
            name = line.split(' ')[2]
            if name in helped:
                raise ValueError('line %d: second HELP for %s' % (n, name))
            helped.add(name)
        elif line.startswith('# TYPE '):
            parts = line.split(' ')
            if len(parts) != 4 or parts[3] not in TYPES or parts[2] in typed:
                raise ValueError('line %d: bad TYPE line %r' % (n, line))
            typed[parts[2]] = parts[3]
        elif line.startswith('#'):
            continue
        else:
            m = SAMPLE.match(line)
            if not m:
                raise ValueError('line %d: not a sample: %r' % (n, line))
            name, labels, value = m.group(1), m.group(2) or '', m.group(3)
            if name not in typed:
                raise ValueError('line %d: %s has no TYPE before it' % (n, name))
            if typed[name] == 'counter' and not name.endswith('_total'):
                raise ValueError('line %d: counter %s lacks _total' % (n, name))
            float(value)
            if (name, labels) in samples:
                raise ValueError('line %d: repeated sample %s%s' % (n, name, labels))
            samples[(name, labels)] = float(value)
    for name in typed:
        if name not in helped:
            raise ValueError('%s has a TYPE but no HELP' % name)
    return samples


def main():
    text = open(sys.argv[1], encoding='utf-8').read()
    status = json.load(open(sys.argv[2]))
    try:
        m = parse(text)
    except ValueError as e:
        print('metrics do not parse:', e)
        return 2
    peers = status['peers']
    want = {
        ('simpul_entries', ''): status['store']['entries'],
        ('simpul_feeds', ''): status['store']['feeds'],
        ('simpul_forks', ''): status['store']['forks'],
        ('simpul_store_map_bytes', ''): status['store']['map_bytes'],
        ('simpul_bytes_total', '{direction="in"}'): sum(p['bytes_in'] for p in peers),
        ('simpul_bytes_total', '{direction="out"}'): sum(p['bytes_out'] for p in peers),
        ('simpul_sync_entries_total', '{direction="in"}'):
            sum(p['entries_in'] for p in peers),
        ('simpul_sync_entries_total', '{direction="out"}'):
            sum(p['entries_out'] for p in peers),
        ('simpul_peers', '{state="connected"}'):
            sum(p['state'] == 'connected' for p in peers),
        ('simpul_peers', '{state="disconnected"}'):
            sum(p['state'] != 'connected' for p in peers),
        ('simpul_daemon_up', ''): 1 if status['daemon']['running'] else 0,
    }
    for p in peers:
        labels = '{peer="%s",region="%s"}' % (p['key'][:16], p['region'])
        want[('simpul_sync_lag_entries', labels)] = p['backlog']
    lag = {k for k in m if k[0] == 'simpul_sync_lag_entries'}
    bad = []
    if lag != {k for k in want if k[0] == 'simpul_sync_lag_entries'}:
        bad.append('peers with a lag: %s' % sorted(lag))
    for k, v in want.items():
        if m.get(k) != float(v):
            bad.append('%s%s: metrics %s, status %s' % (k[0], k[1], m.get(k), v))
    if not status['region'] in text:
        bad.append('simpul_info does not name the region')
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
