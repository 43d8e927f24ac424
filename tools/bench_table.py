"""Print a `pkm_memory_bench --json` result as a Markdown table (for the README's Benchmarks section).

    python tools/bench_table.py bench_out/bench.json
"""
import importlib, json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from pkm_memory.bench import CASE_MODULES, TARGETS, _fmt

def main(path):
    data = json.load(open(path))
    env = data['environment']
    print(f"Measured {env['date']} on {env['cpus']} CPUs ({env['processor']}), torch {env['torch']}, "
          f"load average {env['load_average']} at the start.\n")
    print('| case | implementation | median s | peak MiB | time / first row |')
    print('|:-----|:---------------|---------:|---------:|-----------------:|')
    for r in data['rows']:
        took = 'error' if r.get('error') else _fmt(r.get('seconds'), '.3f')
        print(f"| {r['case']} | {r['implementation']} | {took} | {_fmt(r.get('peak_mib'), '.0f')} | {_fmt(r.get('ratio'), '.2f')} |")
    for m in CASE_MODULES: importlib.import_module(m)  # registers every case's targets
    lines = []
    for name in dict.fromkeys(r['case'] for r in data['rows']):
        rows = [r for r in data['rows'] if r['case'] == name]
        lines += [f'- `{name}`: {l}' for l in TARGETS.get(name, lambda rows, tiny: [])(rows, data.get('tiny', False))]
    if lines: print('\nTargets, as judged by the same run:\n\n' + '\n'.join(lines))

if __name__ == '__main__': main(sys.argv[1])
