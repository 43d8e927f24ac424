"""Print a `pkm_memory_bench --json` result as a Markdown table (for the README's Benchmarks section).

    python tools/bench_table.py bench_out/bench.json
"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

def fmt(v, spec): return '-' if v is None else format(v, spec)

def main(path):
    data = json.load(open(path))
    env = data['environment']
    print(f"Measured {env['date']} on {env['cpus']} CPUs ({env['processor']}), torch {env['torch']}, "
          f"load average {env['load_average']} at the start.\n")
    print('| case | implementation | median s | peak MiB | time / first row |')
    print('|:-----|:---------------|---------:|---------:|-----------------:|')
    for r in data['rows']:
        took = 'error' if r.get('error') else fmt(r.get('seconds'), '.3f')
        print(f"| {r['case']} | {r['implementation']} | {took} | {fmt(r.get('peak_mib'), '.0f')} | {fmt(r.get('ratio'), '.2f')} |")
    import importlib
    from pkm_memory.bench import CASE_MODULES, TARGETS
    for m in CASE_MODULES: importlib.import_module(m)
    lines = []
    for name in dict.fromkeys(r['case'] for r in data['rows']):
        rows = [r for r in data['rows'] if r['case'] == name]
        lines += [f'- `{name}`: {l}' for l in TARGETS.get(name, lambda rows, tiny: [])(rows, data.get('tiny', False))]
    if lines: print('\nTargets, as judged by the same run:\n\n' + '\n'.join(lines))

if __name__ == '__main__': main(sys.argv[1])
