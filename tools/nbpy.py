"""Edit nbdev notebooks without Jupyter.

    python tools/nbpy.py to-py  nbs/X.ipynb  X.py     # notebook -> editable text
    python tools/nbpy.py to-nb  X.py  nbs/X.ipynb     # text -> notebook (outputs dropped)
    python tools/nbpy.py run    nbs/X.ipynb [--skip slow cuda]   # execute in nbs/, save outputs in place

Text format: a line `# %%` starts a code cell, a line `# %% [md]` starts a markdown cell whose lines
follow verbatim. Blank lines around a cell are trimmed.
"""
import argparse, json, os, sys, re
from pathlib import Path


def _cell(kind, lines):
    src = '\n'.join(lines).strip('\n')
    if kind == 'code':
        return {'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [], 'source': src}
    return {'cell_type': 'markdown', 'metadata': {}, 'source': src}


def to_nb(src, dest):
    cells, kind, buf = [], None, []
    for line in Path(src).read_text().splitlines():
        m = re.fullmatch(r'# %%( \[md\])?\s*', line)
        if m:
            if kind is not None: cells.append(_cell(kind, buf))
            kind, buf = ('markdown' if m.group(1) else 'code'), []
        elif kind is None:
            if line.strip(): raise ValueError(f'{src}: text before the first "# %%" marker: {line!r}')
        else:
            buf.append(line)
    if kind is not None: cells.append(_cell(kind, buf))
    nb = {'cells': cells, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python',
                                                      'name': 'python3'}},
          'nbformat': 4, 'nbformat_minor': 5}
    Path(dest).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')


def to_py(src, dest):
    nb = json.loads(Path(src).read_text())
    out = []
    for c in nb['cells']:
        s = c['source'] if isinstance(c['source'], str) else ''.join(c['source'])
        out.append('# %% [md]' if c['cell_type'] == 'markdown' else '# %%')
        out.append(s)
        out.append('')
    Path(dest).write_text('\n'.join(out))


def run(path, skip=()):
    "Execute a notebook top to bottom in its folder, skipping cells flagged with `skip`, and save outputs."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    path = Path(path).resolve()
    nb = read_nb(path)
    flag_re = re.compile(r'^\s*#\s*\|\s*(' + '|'.join(map(re.escape, skip)) + r')\s*$', re.M) if skip else None
    def preproc(cell):
        if cell.cell_type != 'code': return False
        if flag_re and flag_re.search(cell.source): cell.outputs = []; return True
        if re.search(r'^\s*#\s*\|\s*eval:\s*false', cell.source, re.M): return True
        return False
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        shell = CaptureShell(path)
        shell.run_all(nb, exc_stop=True, preproc=preproc)
    finally:
        os.chdir(cwd)
    write_nb(nb, path)


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('cmd', choices=['to-py', 'to-nb', 'run'])
    p.add_argument('src')
    p.add_argument('dest', nargs='?')
    p.add_argument('--skip', nargs='*', default=['cuda'])
    a = p.parse_args()
    if a.cmd == 'to-nb': to_nb(a.src, a.dest)
    elif a.cmd == 'to-py': to_py(a.src, a.dest or sys.stdout.fileno())
    else: run(a.src, a.skip)
