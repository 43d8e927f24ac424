"""Edit nbdev notebooks without Jupyter.

    python tools/nbpy.py to-py  nbs/X.ipynb  X.py     # notebook -> editable text
    python tools/nbpy.py to-nb  X.py  nbs/X.ipynb     # text -> notebook (outputs dropped)
    python tools/nbpy.py run    nbs/X.ipynb [--skip slow cuda]   # execute in nbs/, save outputs in place

    python tools/nbpy.py fix-md nbs/X.ipynb           # un-comment jupytext-style markdown, outputs kept

Text format: a line `# %%` starts a code cell, a line `# %% [md]` starts a markdown cell whose lines
follow verbatim. Blank lines around a cell are trimmed. Markdown written jupytext-style (nearly every line
commented with `# `) is detected per file and un-commented.
"""
import argparse, hashlib, json, os, sys, re
from pathlib import Path


def _commented(md_lines):
    "Is this markdown written jupytext-style, each line commented with `# ` (a lone `#` for a blank line)?"
    text = [l for l in md_lines if l.strip()]
    return bool(text) and sum(l == '#' or l.startswith('# ') for l in text) >= 0.8 * len(text)


def _uncomment(lines):
    return [l[2:] if l.startswith('# ') else '' if l == '#' else l for l in lines]


def _cell(kind, lines, i):
    "A cell whose id is a hash of its position and text, so conversions (and nbdev_export's markers) repeat."
    src = '\n'.join(lines).strip('\n')
    cid = hashlib.sha1(f'{i}:{kind}:{src}'.encode()).hexdigest()[:8]
    if kind == 'code':
        return {'cell_type': 'code', 'execution_count': None, 'id': cid, 'metadata': {}, 'outputs': [],
                'source': src}
    return {'cell_type': 'markdown', 'id': cid, 'metadata': {}, 'source': src}


def to_nb(src, dest):
    parts, kind, buf = [], None, []
    for line in Path(src).read_text().splitlines():
        m = re.fullmatch(r'# %%( \[md\])?\s*', line)
        if m:
            if kind is not None: parts.append((kind, buf))
            kind, buf = ('markdown' if m.group(1) else 'code'), []
        elif kind is None:
            if line.strip(): raise ValueError(f'{src}: text before the first "# %%" marker: {line!r}')
        else:
            buf.append(line)
    if kind is not None: parts.append((kind, buf))
    commented = _commented([l for k, b in parts if k == 'markdown' for l in b])
    cells = [_cell(k, _uncomment(b) if k == 'markdown' and commented else b, i) for i, (k, b) in enumerate(parts)]
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


def fix_md(path):
    "Un-comment a notebook's jupytext-style markdown cells in place, outputs kept."
    nb = json.loads(Path(path).read_text())
    md = [c for c in nb['cells'] if c['cell_type'] == 'markdown']
    src = lambda c: c['source'] if isinstance(c['source'], str) else ''.join(c['source'])
    if not _commented([l for c in md for l in src(c).splitlines()]): return False
    for c in md: c['source'] = '\n'.join(_uncomment(src(c).splitlines()))
    Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return True


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
    p.add_argument('cmd', choices=['to-py', 'to-nb', 'run', 'fix-md'])
    p.add_argument('src')
    p.add_argument('dest', nargs='?')
    p.add_argument('--skip', nargs='*', default=['cuda'])
    a = p.parse_args()
    if a.cmd == 'to-nb': to_nb(a.src, a.dest)
    elif a.cmd == 'fix-md': print(a.src, 'fixed' if fix_md(a.src) else 'already plain markdown')
    elif a.cmd == 'to-py': to_py(a.src, a.dest or sys.stdout.fileno())
    else: run(a.src, a.skip)
